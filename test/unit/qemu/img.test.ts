import { describe, expect, test } from '@jest/globals';
import { CHECKABLE_FORMATS, convertArgs, imageExtension } from '../../../shared/qemu/img.js';

describe('qemu-img conversion arguments', () => {
  test('qcow2 is compressed with zstd by default, zlib or not at all on request', () => {
    expect(convertArgs('qcow2', 'zstd')).toEqual(['-O', 'qcow2', '-c', '-o', 'compression_type=zstd']);
    expect(convertArgs('qcow2', 'zlib')).toEqual(['-O', 'qcow2', '-c']);
    expect(convertArgs('qcow2', 'none')).toEqual(['-O', 'qcow2']);
  });

  test('compression applies to qcow2 only', () => {
    for (const format of ['raw', 'vdi', 'vmdk', 'vpc', 'vhdx'] as const) {
      expect(convertArgs(format, 'zstd')).toEqual(['-O', format]);
    }
  });

  test('vpc files are .vhd; raw and vpc have no qemu-img check', () => {
    expect(imageExtension('vpc')).toBe('vhd');
    expect(imageExtension('vmdk')).toBe('vmdk');
    expect(CHECKABLE_FORMATS.has('raw')).toBe(false);
    expect(CHECKABLE_FORMATS.has('vpc')).toBe(false);
    expect(CHECKABLE_FORMATS.has('qcow2')).toBe(true);
  });
});
