/*
 * Over 300 lines: an ISO 9660 image with Rock Ridge and Joliet is one byte layout; the volume
 * descriptors, path tables and directory records refer to each other's sectors, so they are written
 * by one function from one plan.
 */
import { ConfigurationError } from '../errors.js';

/**
 * A small ISO 9660 writer for NoCloud seeds: one flat root directory, read by three name systems at once.
 * - the primary tree with ISO level-1 names (`USER_DAT.;1`), which every reader understands;
 * - Rock Ridge (SUSP + RRIP 1.09, as genisoimage writes it) in the primary directory records, so POSIX readers
 *   (the Linux kernel that cloud-init mounts the seed with, libarchive, isoinfo -R) see `user-data` exactly;
 * - a Joliet tree (UCS-2 names) for readers that prefer it (blkid, Windows, isoinfo -J).
 * No host tool is needed, and the output depends only on the input (and `date`), which keeps tests exact.
 */

export interface IsoFile {
  /** The name in the root directory, e.g. `user-data`. */
  readonly name: string;
  readonly data: Buffer;
}

export interface IsoOptions {
  /** The volume label; NoCloud looks for `cidata`. */
  readonly volumeId: string;
  readonly files: readonly IsoFile[];
  /** Recorded as every creation and modification time; defaults to now. */
  readonly date?: Date;
}

const SECTOR = 2048;
const SYSTEM_AREA_SECTORS = 16;
/**
 * genisoimage pads every image by 150 sectors so that old drives and kernels that read ahead past the last
 * file do not hit an I/O error; a seed is tiny, so the same 300 KiB is a cheap insurance.
 */
const TRAILING_PAD_SECTORS = 150;
const FILE_NAME = /^[A-Za-z0-9._-]{1,64}$/;
const VOLUME_ID = /^[A-Za-z0-9_-]{1,16}$/;
const APPLICATION_ID = 'INDICOVM';
const SYSTEM_ID = 'LINUX';

const FLAG_DIRECTORY = 0x02;
const MODE_DIRECTORY = 0o040555;
const MODE_FILE = 0o100444;

const RRIP_ID = 'RRIP_1991A';
const RRIP_DESCRIPTOR =
  'THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS';
const RRIP_SOURCE =
  'PLEASE CONTACT DISC PUBLISHER FOR SPECIFICATION SOURCE.  SEE PUBLISHER IDENTIFIER IN PRIMARY VOLUME DESCRIPTOR FOR CONTACT INFORMATION.';

export function buildIso(options: IsoOptions): Buffer {
  const { volumeId, files } = options;
  const date = options.date ?? new Date();
  if (!VOLUME_ID.test(volumeId)) {
    throw new ConfigurationError(
      `Invalid ISO volume id ${JSON.stringify(volumeId)}: use 1 to 16 characters from A-Z, a-z, 0-9, _ and -.`,
    );
  }
  checkFileNames(files);

  const isoNames = levelOneNames(files.map((file) => file.name));
  const primaryOrder = files
    .map((file, index) => ({ file, isoName: isoNames[index]! }))
    .sort((a, b) => compareIsoNames(a.isoName, b.isoName));
  const jolietOrder = files
    .map((file) => ({ file, jolietName: ucs2(file.name) }))
    .sort((a, b) => Buffer.compare(a.jolietName, b.jolietName));

  // Layout: descriptors at 16-18, four path tables, both directories, the Rock Ridge continuation area, data.
  // The continuation area comes after the directories because sequential readers (libarchive) refuse a CE
  // that points backwards.
  const primaryPathTableL = SYSTEM_AREA_SECTORS + 3;
  const primaryPathTableM = primaryPathTableL + 1;
  const jolietPathTableL = primaryPathTableM + 1;
  const jolietPathTableM = jolietPathTableL + 1;
  const primaryDirSector = jolietPathTableM + 1;

  const extensionReference = suspER(RRIP_ID, RRIP_DESCRIPTOR, RRIP_SOURCE);
  const placeholder = { extent: 0, size: 0 };
  // Directory sizes do not depend on extent numbers, so a first pass with placeholders measures them.
  const primaryDirSectors =
    packRecords(primaryRecords(primaryOrder, placeholder, placeholder, [], date, 0, extensionReference))
      .length / SECTOR;
  const jolietDirSector = primaryDirSector + primaryDirSectors;
  const jolietDirSectors = packRecords(jolietRecords(jolietOrder, placeholder, [], date)).length / SECTOR;
  const continuationSector = jolietDirSector + jolietDirSectors;

  let next = continuationSector + 1;
  const extents = new Map<IsoFile, number>();
  for (const file of files) {
    extents.set(file, next);
    next += sectorsFor(file.data.length);
  }
  const dataEnd = next;
  const totalSectors = dataEnd + TRAILING_PAD_SECTORS;

  const primaryRoot = { extent: primaryDirSector, size: primaryDirSectors * SECTOR };
  const jolietRoot = { extent: jolietDirSector, size: jolietDirSectors * SECTOR };
  const fileExtents = (order: readonly { file: IsoFile }[]) =>
    order.map(({ file }) => ({ extent: extents.get(file)!, size: file.data.length }));

  const primaryDir = packRecords(
    primaryRecords(
      primaryOrder,
      primaryRoot,
      primaryRoot,
      fileExtents(primaryOrder),
      date,
      continuationSector,
      extensionReference,
    ),
  );
  const jolietDir = packRecords(jolietRecords(jolietOrder, jolietRoot, fileExtents(jolietOrder), date));

  const image = Buffer.alloc(totalSectors * SECTOR);
  const put = (sector: number, bytes: Buffer) => bytes.copy(image, sector * SECTOR);

  const pathTableSize = 10;
  put(
    SYSTEM_AREA_SECTORS,
    volumeDescriptor({
      type: 1,
      text: (value, length) => aString(value, length),
      volumeId,
      totalSectors,
      pathTableSize,
      pathTableL: primaryPathTableL,
      pathTableM: primaryPathTableM,
      root: rootRecordForDescriptor(primaryRoot, date),
      date,
    }),
  );
  put(
    SYSTEM_AREA_SECTORS + 1,
    volumeDescriptor({
      type: 2,
      text: (value, length) => ucs2Padded(value, length),
      volumeId,
      totalSectors,
      pathTableSize,
      pathTableL: jolietPathTableL,
      pathTableM: jolietPathTableM,
      root: rootRecordForDescriptor(jolietRoot, date),
      date,
      // UCS-2 level 3: the escape sequence that marks a Supplementary Volume Descriptor as Joliet.
      escapeSequences: Buffer.from('%/E', 'ascii'),
    }),
  );
  put(SYSTEM_AREA_SECTORS + 2, terminator());
  put(primaryPathTableL, rootPathTable(primaryDirSector, 'LE'));
  put(primaryPathTableM, rootPathTable(primaryDirSector, 'BE'));
  put(jolietPathTableL, rootPathTable(jolietDirSector, 'LE'));
  put(jolietPathTableM, rootPathTable(jolietDirSector, 'BE'));
  put(continuationSector, extensionReference);
  put(primaryDirSector, primaryDir);
  put(jolietDirSector, jolietDir);
  for (const file of files) {
    put(extents.get(file)!, file.data);
  }
  return image;
}

function checkFileNames(files: readonly IsoFile[]): void {
  const seen = new Set<string>();
  for (const { name } of files) {
    if (!FILE_NAME.test(name) || name === '.' || name === '..') {
      throw new ConfigurationError(
        `Invalid ISO file name ${JSON.stringify(name)}: use 1 to 64 characters from A-Z, a-z, 0-9, '.', '_' and '-'.`,
      );
    }
    if (seen.has(name)) {
      throw new ConfigurationError(`The ISO file name ${JSON.stringify(name)} is given twice.`);
    }
    seen.add(name);
  }
}

/**
 * ISO 9660 level-1 names (8.3, upper case, d-characters): what readers without Rock Ridge or Joliet see.
 * Names that collide after shortening get a numeric tail, as mkisofs does.
 */
function levelOneNames(names: readonly string[]): string[] {
  const used = new Set<string>();
  return names.map((name) => {
    const dot = name.lastIndexOf('.');
    const hasExtension = dot > 0;
    const base = dChars(hasExtension ? name.slice(0, dot) : name) || '_';
    const extension = dChars(hasExtension ? name.slice(dot + 1) : '').slice(0, 3);
    let stem = base.slice(0, 8);
    for (let counter = 0; used.has(`${stem}.${extension}`); counter += 1) {
      const tail = String(counter);
      stem = base.slice(0, 8 - tail.length) + tail;
      if (counter > 9999) throw new Error(`Too many ISO names collide with ${name}.`);
    }
    used.add(`${stem}.${extension}`);
    return `${stem}.${extension};1`;
  });
}

function dChars(text: string): string {
  return text.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

/** ECMA-119 9.3: names compare as if the shorter were padded with spaces, name part first, then extension. */
function compareIsoNames(a: string, b: string): number {
  const split = (name: string) => name.replace(/;1$/, '').split('.') as [string, string];
  const [aName, aExt] = split(a);
  const [bName, bExt] = split(b);
  return comparePadded(aName, bName) || comparePadded(aExt, bExt);
}

function comparePadded(a: string, b: string): number {
  const length = Math.max(a.length, b.length);
  const pa = a.padEnd(length, ' ');
  const pb = b.padEnd(length, ' ');
  return pa < pb ? -1 : pa > pb ? 1 : 0;
}

interface Extent {
  readonly extent: number;
  readonly size: number;
}

function primaryRecords(
  order: readonly { file: IsoFile; isoName: string }[],
  self: Extent,
  parent: Extent,
  files: readonly Extent[],
  date: Date,
  continuationSector: number,
  extensionReference: Buffer,
): Buffer[] {
  const times = suspTF(date);
  const directoryPx = suspPX(MODE_DIRECTORY, 2);
  const dot = directoryRecord({
    ...self,
    flags: FLAG_DIRECTORY,
    identifier: Buffer.from([0]),
    date,
    // SP must open the root's first record; the ER that names RRIP is too long to fit and goes through CE.
    systemUse: [
      suspSP(),
      suspRR(['PX', 'TF']),
      directoryPx,
      times,
      suspCE(continuationSector, extensionReference.length),
    ],
  });
  const dotDot = directoryRecord({
    ...parent,
    flags: FLAG_DIRECTORY,
    identifier: Buffer.from([1]),
    date,
    systemUse: [suspRR(['PX', 'TF']), directoryPx, times],
  });
  return [
    dot,
    dotDot,
    ...order.map(({ file, isoName }, index) =>
      directoryRecord({
        ...(files[index] ?? { extent: 0, size: file.data.length }),
        flags: 0,
        identifier: Buffer.from(isoName, 'ascii'),
        date,
        systemUse: [suspRR(['PX', 'NM', 'TF']), suspNM(file.name), suspPX(MODE_FILE, 1), times],
      }),
    ),
  ];
}

function jolietRecords(
  order: readonly { file: IsoFile; jolietName: Buffer }[],
  self: Extent,
  files: readonly Extent[],
  date: Date,
): Buffer[] {
  return [
    directoryRecord({ ...self, flags: FLAG_DIRECTORY, identifier: Buffer.from([0]), date, systemUse: [] }),
    directoryRecord({ ...self, flags: FLAG_DIRECTORY, identifier: Buffer.from([1]), date, systemUse: [] }),
    ...order.map(({ file, jolietName }, index) =>
      directoryRecord({
        ...(files[index] ?? { extent: 0, size: file.data.length }),
        flags: 0,
        identifier: jolietName,
        date,
        systemUse: [],
      }),
    ),
  ];
}

/** ECMA-119 6.8.1.1: a directory record never crosses a sector boundary; the rest of the sector stays zero. */
function packRecords(records: readonly Buffer[]): Buffer {
  const sectors: Buffer[] = [];
  let current = Buffer.alloc(SECTOR);
  let used = 0;
  for (const record of records) {
    if (used + record.length > SECTOR) {
      sectors.push(current);
      current = Buffer.alloc(SECTOR);
      used = 0;
    }
    record.copy(current, used);
    used += record.length;
  }
  sectors.push(current);
  return Buffer.concat(sectors);
}

interface RecordFields extends Extent {
  readonly flags: number;
  readonly identifier: Buffer;
  readonly date: Date;
  readonly systemUse: readonly Buffer[];
}

/** ECMA-119 9.1. */
function directoryRecord(fields: RecordFields): Buffer {
  const identifierLength = fields.identifier.length;
  const padding = identifierLength % 2 === 0 ? 1 : 0;
  const systemUse = Buffer.concat(fields.systemUse);
  let length = 33 + identifierLength + padding + systemUse.length;
  length += length % 2;
  if (length > 255) {
    throw new Error(`An ISO directory record for ${fields.identifier.toString('latin1')} is too long.`);
  }
  const record = Buffer.alloc(length);
  record[0] = length;
  record[1] = 0;
  bothEndian32(fields.extent).copy(record, 2);
  bothEndian32(fields.size).copy(record, 10);
  recordDate(fields.date).copy(record, 18);
  record[25] = fields.flags;
  record[26] = 0;
  record[27] = 0;
  bothEndian16(1).copy(record, 28);
  record[32] = identifierLength;
  fields.identifier.copy(record, 33);
  systemUse.copy(record, 33 + identifierLength + padding);
  return record;
}

/** The 34-byte copy of the root record that a volume descriptor holds (no System Use field there). */
function rootRecordForDescriptor(root: Extent, date: Date): Buffer {
  return directoryRecord({
    ...root,
    flags: FLAG_DIRECTORY,
    identifier: Buffer.from([0]),
    date,
    systemUse: [],
  });
}

interface DescriptorFields {
  readonly type: 1 | 2;
  readonly text: (value: string, length: number) => Buffer;
  readonly volumeId: string;
  readonly totalSectors: number;
  readonly pathTableSize: number;
  readonly pathTableL: number;
  readonly pathTableM: number;
  readonly root: Buffer;
  readonly date: Date;
  readonly escapeSequences?: Buffer;
}

/** ECMA-119 8.4 (primary) and 8.5 (supplementary); the layouts are the same but for the text encoding. */
function volumeDescriptor(fields: DescriptorFields): Buffer {
  const sector = Buffer.alloc(SECTOR);
  sector[0] = fields.type;
  sector.write('CD001', 1, 'ascii');
  sector[6] = 1;
  fields.text(SYSTEM_ID, 32).copy(sector, 8);
  fields.text(fields.volumeId, 32).copy(sector, 40);
  bothEndian32(fields.totalSectors).copy(sector, 80);
  fields.escapeSequences?.copy(sector, 88);
  bothEndian16(1).copy(sector, 120);
  bothEndian16(1).copy(sector, 124);
  bothEndian16(SECTOR).copy(sector, 128);
  bothEndian32(fields.pathTableSize).copy(sector, 132);
  sector.writeUInt32LE(fields.pathTableL, 140);
  sector.writeUInt32BE(fields.pathTableM, 148);
  fields.root.copy(sector, 156);
  fields.text('', 128).copy(sector, 190); // volume set
  fields.text('', 128).copy(sector, 318); // publisher
  fields.text('', 128).copy(sector, 446); // data preparer
  fields.text(APPLICATION_ID, 128).copy(sector, 574);
  fields.text('', 37).copy(sector, 702); // copyright file
  fields.text('', 37).copy(sector, 739); // abstract file
  fields.text('', 37).copy(sector, 776); // bibliographic file
  descriptorDate(fields.date).copy(sector, 813); // creation
  descriptorDate(fields.date).copy(sector, 830); // modification
  descriptorDate(undefined).copy(sector, 847); // expiration: never
  descriptorDate(fields.date).copy(sector, 864); // effective
  sector[881] = 1;
  return sector;
}

function terminator(): Buffer {
  const sector = Buffer.alloc(SECTOR);
  sector[0] = 255;
  sector.write('CD001', 1, 'ascii');
  sector[6] = 1;
  return sector;
}

/** ECMA-119 9.4: the table for a tree with only a root has a single 10-byte entry. */
function rootPathTable(rootSector: number, order: 'LE' | 'BE'): Buffer {
  const entry = Buffer.alloc(10);
  entry[0] = 1;
  entry[1] = 0;
  if (order === 'LE') {
    entry.writeUInt32LE(rootSector, 2);
    entry.writeUInt16LE(1, 6);
  } else {
    entry.writeUInt32BE(rootSector, 2);
    entry.writeUInt16BE(1, 6);
  }
  entry[8] = 0;
  return entry;
}

function bothEndian16(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt16LE(value, 0);
  bytes.writeUInt16BE(value, 2);
  return bytes;
}

function bothEndian32(value: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeUInt32LE(value, 0);
  bytes.writeUInt32BE(value, 4);
  return bytes;
}

/** The 7-byte binary date of directory records and RRIP TF entries, in UTC. */
function recordDate(date: Date): Buffer {
  return Buffer.from([
    date.getUTCFullYear() - 1900,
    date.getUTCMonth() + 1,
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
    0,
  ]);
}

/** The 17-byte text date of volume descriptors; all zero digits means "not specified". */
function descriptorDate(date: Date | undefined): Buffer {
  const bytes = Buffer.alloc(17);
  if (date === undefined) {
    bytes.write('0'.repeat(16), 0, 'ascii');
    return bytes;
  }
  const two = (n: number) => String(n).padStart(2, '0');
  const text =
    String(date.getUTCFullYear()).padStart(4, '0') +
    two(date.getUTCMonth() + 1) +
    two(date.getUTCDate()) +
    two(date.getUTCHours()) +
    two(date.getUTCMinutes()) +
    two(date.getUTCSeconds()) +
    two(Math.floor(date.getUTCMilliseconds() / 10));
  bytes.write(text, 0, 'ascii');
  bytes[16] = 0;
  return bytes;
}

function aString(value: string, length: number): Buffer {
  return Buffer.from(value.padEnd(length, ' ').slice(0, length), 'ascii');
}

function ucs2(value: string): Buffer {
  return Buffer.from(value, 'utf16le').swap16();
}

function ucs2Padded(value: string, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  const chars = Math.floor(length / 2);
  ucs2(value.padEnd(chars, ' ').slice(0, chars)).copy(bytes);
  return bytes;
}

function sectorsFor(bytes: number): number {
  return Math.ceil(bytes / SECTOR);
}

// --- SUSP (IEEE P1281) and RRIP 1.09 (IEEE P1282) entries ---

function suspEntry(signature: string, body: Buffer): Buffer {
  const entry = Buffer.alloc(4 + body.length);
  entry.write(signature, 0, 'ascii');
  entry[2] = entry.length;
  entry[3] = 1;
  body.copy(entry, 4);
  return entry;
}

function suspSP(): Buffer {
  return suspEntry('SP', Buffer.from([0xbe, 0xef, 0]));
}

function suspCE(sector: number, length: number): Buffer {
  return suspEntry('CE', Buffer.concat([bothEndian32(sector), bothEndian32(0), bothEndian32(length)]));
}

function suspER(id: string, descriptor: string, source: string): Buffer {
  const head = Buffer.from([id.length, descriptor.length, source.length, 1]);
  return suspEntry('ER', Buffer.concat([head, Buffer.from(id + descriptor + source, 'ascii')]));
}

const RR_FLAGS = { PX: 0x01, NM: 0x08, TF: 0x80 } as const;

function suspRR(present: readonly (keyof typeof RR_FLAGS)[]): Buffer {
  return suspEntry('RR', Buffer.from([present.reduce((flags, name) => flags | RR_FLAGS[name], 0)]));
}

function suspNM(name: string): Buffer {
  return suspEntry('NM', Buffer.concat([Buffer.from([0]), Buffer.from(name, 'utf8')]));
}

/** RRIP 1.09 PX: mode, links, uid, gid (the 1.12 inode number is left out, as genisoimage does). */
function suspPX(mode: number, links: number): Buffer {
  return suspEntry(
    'PX',
    Buffer.concat([bothEndian32(mode), bothEndian32(links), bothEndian32(0), bothEndian32(0)]),
  );
}

/** TF with modification, access and attribute-change times, all the build time. */
function suspTF(date: Date): Buffer {
  const time = recordDate(date);
  return suspEntry('TF', Buffer.concat([Buffer.from([0x0e]), time, time, time]));
}
