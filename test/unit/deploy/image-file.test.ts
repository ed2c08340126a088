import { describe, expect, test } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkImageFile, pickImageFile } from '../../../shared/deploy/image-file.js';
import { useTempDir } from '../../support/temp-dir.js';

const dir = useTempDir('deploy-unit-');

describe('the image in an artifact', () => {
  test('is the one disk image beside other files, found in sub-folders too', async () => {
    const folder = join(dir(), 'artifact-one');
    mkdirSync(join(folder, 'out'), { recursive: true });
    writeFileSync(join(folder, 'out', 'indico.qcow2'), 'x');
    writeFileSync(join(folder, 'SHA256SUMS'), 'x');
    await expect(pickImageFile(folder, 'img')).resolves.toBe(join(folder, 'out', 'indico.qcow2'));
  });

  test('is an error that lists the files when there is none or several', async () => {
    const folder = join(dir(), 'artifact-none');
    mkdirSync(folder);
    writeFileSync(join(folder, 'build.log'), 'x');
    await expect(pickImageFile(folder, 'img')).rejects.toThrow(
      "Artifact 'img' holds no disk image (.qcow2, .img, .raw, .vmdk, .vdi, .vhd, .vhdx or .iso); it has: build.log.",
    );
    writeFileSync(join(folder, 'a.qcow2'), 'x');
    writeFileSync(join(folder, 'b.raw'), 'x');
    await expect(pickImageFile(folder, 'img')).rejects.toThrow('holds 2 disk images (a.qcow2, b.raw)');
  });

  test('an empty or missing image path is refused by name', async () => {
    writeFileSync(join(dir(), 'empty.qcow2'), '');
    await expect(checkImageFile(join(dir(), 'empty.qcow2'), 'x')).rejects.toThrow("Option 'image-path'");
    await expect(checkImageFile(join(dir(), 'missing'), 'x')).rejects.toThrow('does not exist');
  });
});
