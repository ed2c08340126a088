import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { ConfigurationError } from '../../../shared/errors.js';
import { buildIso, type IsoFile } from '../../../shared/cloudinit/iso9660.js';
import { readTool, readToolBytes, scratchDir } from './tools.js';

const scratch = scratchDir('iso');
afterAll(() => scratch.remove());

const DATE = new Date('2026-11-25T08:40:03Z');
const seedFiles: IsoFile[] = [
  { name: 'user-data', data: Buffer.from('#cloud-config\nssh_pwauth: false\n') },
  { name: 'meta-data', data: Buffer.from('instance-id: iid-test\nlocal-hostname: test-vm\n') },
  { name: 'network-config', data: Buffer.from('version: 2\nethernets: {}\n') },
];

function writeIso(name: string, files: readonly IsoFile[], volumeId = 'cidata'): string {
  const path = scratch.file(name);
  writeFileSync(path, buildIso({ volumeId, files, date: DATE }));
  return path;
}

/** `isoinfo -l` listing lines as [name, size] pairs, "." and ".." left out. */
function listing(args: readonly string[], iso: string): [string, number][] {
  return readTool('isoinfo', [...args, '-l', '-i', iso])
    .split('\n')
    .map((line) => /^\S{10}\s+\d+\s+\d+\s+\d+\s+(\d+)\s.*\]\s+(\S+)\s*$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null && match[2] !== '.' && match[2] !== '..')
    .map((match) => [match[2]!, Number(match[1])]);
}

describe('buildIso read back by real ISO 9660 readers', () => {
  let iso: string;
  beforeAll(() => {
    iso = writeIso('seed.iso', seedFiles);
  });

  test('isoinfo -d sees the volume id, Joliet level 3, Rock Ridge and the right volume size', () => {
    const info = readTool('isoinfo', ['-d', '-i', iso]);
    expect(info).toContain('CD-ROM is in ISO 9660 format');
    expect(info).toMatch(/^Volume id: cidata$/m);
    expect(info).toMatch(/^Logical block size is: 2048$/m);
    expect(info).toContain('Joliet with UCS level 3 found');
    expect(info).toContain('Rock Ridge signatures version 1 found');
    const size = readFileSync(iso).length;
    expect(size % 2048).toBe(0);
    expect(info).toMatch(new RegExp(`^Volume size is: ${size / 2048}$`, 'm'));
  });

  test('Rock Ridge gives the exact lower-case names, sizes and read-only modes', () => {
    expect(listing(['-R'], iso)).toEqual([
      ['meta-data', seedFiles[1]!.data.length],
      ['network-config', seedFiles[2]!.data.length],
      ['user-data', seedFiles[0]!.data.length],
    ]);
    expect(readTool('isoinfo', ['-R', '-l', '-i', iso])).toMatch(
      /^-r--r--r-- +1 +0 +0 +\d+ .*\buser-data\s*$/m,
    );
  });

  test('Joliet gives the same names', () => {
    expect(listing(['-J'], iso).map(([name]) => name)).toEqual(['meta-data', 'network-config', 'user-data']);
  });

  test('the plain ISO 9660 tree has sorted level-1 names', () => {
    expect(listing([], iso).map(([name]) => name)).toEqual(['META_DAT.;1', 'NETWORK_.;1', 'USER_DAT.;1']);
  });

  test('file contents read back through Rock Ridge, Joliet and the plain tree', () => {
    for (const file of seedFiles) {
      expect(readToolBytes('isoinfo', ['-R', '-x', `/${file.name}`, '-i', iso])).toEqual(file.data);
      expect(readToolBytes('isoinfo', ['-J', '-x', `/${file.name}`, '-i', iso])).toEqual(file.data);
    }
    expect(readToolBytes('isoinfo', ['-x', '/USER_DAT.;1', '-i', iso])).toEqual(seedFiles[0]!.data);
  });

  test('blkid finds an iso9660 file system labelled cidata, dated by the build', () => {
    const probe = readTool('blkid', ['-p', '-o', 'export', iso]);
    expect(probe).toMatch(/^TYPE=iso9660$/m);
    expect(probe).toMatch(/^LABEL=cidata$/m);
    expect(probe).toMatch(/^UUID=2026-11-25-08-40-03-00$/m);
    expect(readTool('blkid', [iso])).toMatch(/LABEL="cidata".*TYPE="iso9660"/);
  });

  test('libarchive (bsdtar) lists and extracts the files by their Rock Ridge names', () => {
    const names = readTool('bsdtar', ['-tf', iso]).split('\n').filter(Boolean).sort();
    expect(names).toEqual(['.', 'meta-data', 'network-config', 'user-data']);
    for (const file of seedFiles) {
      expect(readToolBytes('bsdtar', ['-xOf', iso, file.name])).toEqual(file.data);
    }
  });

  test('reads back the same as genisoimage -joliet -rock given the same files', () => {
    const dir = scratchDir('genisoimage');
    try {
      for (const file of seedFiles) writeFileSync(dir.file(file.name), file.data);
      const reference = scratch.file('genisoimage.iso');
      readTool('genisoimage', [
        '-quiet',
        '-output',
        reference,
        '-volid',
        'cidata',
        '-joliet',
        '-rock',
        ...seedFiles.map((file) => dir.file(file.name)),
      ]);
      const facts = (path: string) =>
        readTool('isoinfo', ['-d', '-i', path])
          .split('\n')
          .filter((line) => /^(Volume id|Logical block size|Joliet|Rock Ridge)/.test(line));
      expect(facts(iso)).toEqual(facts(reference));
      for (const flag of ['-R', '-J']) {
        expect(listing([flag], iso)).toEqual(listing([flag], reference));
      }
      expect(listing([], iso).map(([name]) => name)).toEqual(listing([], reference).map(([name]) => name));
      for (const file of seedFiles) {
        for (const flag of ['-R', '-J']) {
          expect(readToolBytes('isoinfo', [flag, '-x', `/${file.name}`, '-i', iso])).toEqual(
            readToolBytes('isoinfo', [flag, '-x', `/${file.name}`, '-i', reference]),
          );
        }
      }
      const label = (path: string) => /LABEL="[^"]*" TYPE="[^"]*"/.exec(readTool('blkid', [path]))?.[0];
      expect(label(iso)).toBe(label(reference));
    } finally {
      dir.remove();
    }
  });
});

describe('buildIso with directories and files that span sectors', () => {
  // 40 long names need several 2048-byte directory sectors; the random file spans several data sectors.
  const many: IsoFile[] = Array.from({ length: 40 }, (_, index) => ({
    name: `a-rather-long-file-name-for-sector-spanning-${String(index).padStart(2, '0')}.yaml`,
    data: Buffer.from(`file ${index}\n`),
  }));
  const big: IsoFile = { name: 'big.bin', data: randomBytes(3 * 2048 + 17) };
  const empty: IsoFile = { name: 'empty', data: Buffer.alloc(0) };
  const files = [...many, big, empty];
  let iso: string;
  beforeAll(() => {
    iso = writeIso('many.iso', files);
  });

  test('every name and size reads back through Rock Ridge and Joliet', () => {
    const expected = files.map((file): [string, number] => [file.name, file.data.length]).sort();
    expect(listing(['-R'], iso).sort()).toEqual(expected);
    expect(listing(['-J'], iso).sort()).toEqual(expected);
  });

  test('shortened level-1 names that collide are made unique', () => {
    const names = listing([], iso).map(([name]) => name);
    expect(new Set(names).size).toBe(files.length);
    for (const name of names) expect(name).toMatch(/^[A-Z0-9_]{1,8}\.[A-Z0-9_]{0,3};1$/);
  });

  test('bsdtar extracts the multi-sector file, the empty file and the last of the many exactly', () => {
    expect(readToolBytes('bsdtar', ['-xOf', iso, 'big.bin'])).toEqual(big.data);
    expect(readToolBytes('bsdtar', ['-xOf', iso, 'empty'])).toEqual(Buffer.alloc(0));
    const last = many[many.length - 1]!;
    expect(readToolBytes('bsdtar', ['-xOf', iso, last.name])).toEqual(last.data);
    expect(readToolBytes('isoinfo', ['-J', '-x', '/big.bin', '-i', iso])).toEqual(big.data);
  });
});

describe('buildIso input rules', () => {
  test('the same input and date give the same bytes', () => {
    const first = buildIso({ volumeId: 'cidata', files: seedFiles, date: DATE });
    const second = buildIso({ volumeId: 'cidata', files: seedFiles, date: DATE });
    expect(first.equals(second)).toBe(true);
  });

  test('bad volume ids and file names are refused with the rule', () => {
    expect(() => buildIso({ volumeId: 'a label with spaces', files: [] })).toThrow(ConfigurationError);
    expect(() =>
      buildIso({ volumeId: 'cidata', files: [{ name: 'dir/file', data: Buffer.alloc(1) }] }),
    ).toThrow(/Invalid ISO file name "dir\/file": use 1 to 64 characters/);
    expect(() =>
      buildIso({
        volumeId: 'cidata',
        files: [
          { name: 'user-data', data: Buffer.alloc(1) },
          { name: 'user-data', data: Buffer.alloc(2) },
        ],
      }),
    ).toThrow('The ISO file name "user-data" is given twice.');
  });
});
