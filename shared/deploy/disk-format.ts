import { open } from 'node:fs/promises';

/**
 * Glance's disk_format of an image file, from the signatures the formats put in their first bytes (and
 * VHD's footer): the same probing qemu-img does, without needing qemu-img on the runner. Anything
 * without a known signature is raw, as qemu-img would say too.
 */
export type DetectedFormat = 'qcow2' | 'vmdk' | 'vdi' | 'vhdx' | 'vhd' | 'iso' | 'raw';

/** ISO 9660's primary volume descriptor sits at sector 16 of 2048 bytes. */
const ISO_MAGIC_OFFSET = 16 * 2048 + 1;

async function readAt(file: string, offset: number, length: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, offset);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

export function formatFromHeader(head: Buffer, tail: Buffer, isoMagic: Buffer): DetectedFormat {
  const ascii = (start: number, length: number) => head.subarray(start, start + length).toString('latin1');
  if (head.length >= 4 && head.readUInt32BE(0) === 0x514649fb) {
    return 'qcow2';
  }
  if (ascii(0, 4) === 'KDMV' || ascii(0, 21) === '# Disk DescriptorFile') {
    return 'vmdk';
  }
  if (head.length >= 0x44 && head.readUInt32LE(0x40) === 0xbeda107f) {
    return 'vdi';
  }
  if (ascii(0, 8) === 'vhdxfile') {
    return 'vhdx';
  }
  // A dynamic VHD has a copy of its footer at the start; a fixed one only at the end.
  if (ascii(0, 8) === 'conectix' || tail.subarray(0, 8).toString('latin1') === 'conectix') {
    return 'vhd';
  }
  if (isoMagic.toString('latin1') === 'CD001') {
    return 'iso';
  }
  return 'raw';
}

export async function detectDiskFormat(file: string, size: number): Promise<DetectedFormat> {
  const [head, tail, isoMagic] = await Promise.all([
    readAt(file, 0, 512),
    size >= 512 ? readAt(file, size - 512, 512) : Promise.resolve(Buffer.alloc(0)),
    readAt(file, ISO_MAGIC_OFFSET, 5),
  ]);
  return formatFromHeader(head, tail, isoMagic);
}
