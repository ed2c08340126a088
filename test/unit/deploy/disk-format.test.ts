import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { detectDiskFormat, formatFromHeader } from '../../../shared/deploy/disk-format.js';
import { useTempDir } from '../../support/temp-dir.js';

const dir = useTempDir('deploy-unit-');

describe('disk format detection', () => {
  test.each(['qcow2', 'vmdk', 'vdi', 'vhdx', 'vpc', 'raw'])('a %s file made by qemu-img', (format) => {
    const file = join(dir(), `disk.${format}`);
    execFileSync('qemu-img', ['create', '-q', '-f', format, file, '4M']);
    return expect(detectDiskFormat(file, statSync(file).size)).resolves.toBe(
      format === 'vpc' ? 'vhd' : format,
    );
  });

  test('an ISO 9660 image by its volume descriptor, and unknown bytes as raw', () => {
    const iso = Buffer.alloc(40_000);
    iso.write('CD001', 16 * 2048 + 1, 'latin1');
    expect(formatFromHeader(iso.subarray(0, 512), Buffer.alloc(0), iso.subarray(32769, 32774))).toBe('iso');
    expect(formatFromHeader(Buffer.from('hello'), Buffer.alloc(0), Buffer.alloc(0))).toBe('raw');
  });
});
