import { renameSync, rmSync, statfsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Ledger } from '../cleanup/ledger.js';
import { CommandError } from '../errors.js';
import {
  checkImage,
  convertImage,
  imageExtension,
  type ImageFormat,
  type Qcow2Compression,
} from '../qemu/img.js';
import { withProgress } from '../report/progress.js';
import { formatDuration, type Reporter } from '../report/reporter.js';
import { sha256File } from './download.js';
import type { ManifestImage } from './manifest.js';

/** An image file the build writes: removed when the build fails, kept once it is done. */
export const OUTPUT_FILE_RESOURCE = 'output-file';

export interface ConvertSpec {
  readonly formats: readonly string[];
  readonly imageName: string;
  readonly compression: Qcow2Compression;
}

/**
 * Writes one standalone image per format from the build's overlay, each first as `<file>.partial` and
 * renamed when complete, then checked and hashed. Every file is in the ledger until the build is
 * done, so a failure (a full disk included) leaves no image, whole or partial, behind.
 */
export async function convertImages(
  overlay: string,
  spec: ConvertSpec,
  outputDir: string,
  ledger: Ledger,
  reporter: Reporter,
): Promise<ManifestImage[]> {
  const images: ManifestImage[] = [];
  for (const format of spec.formats as ImageFormat[]) {
    const file = `${spec.imageName}.${imageExtension(format)}`;
    const path = join(outputDir, file);
    const partial = `${path}.partial`;
    ledger.record({ kind: OUTPUT_FILE_RESOURCE, id: partial });
    ledger.record({ kind: OUTPUT_FILE_RESOURCE, id: path });
    const started = Date.now();
    try {
      await withProgress(reporter, { label: `Converting to ${file}`, unit: 'percent' }, (progress) =>
        convertImage(overlay, 'qcow2', partial, format, spec.compression, (p) => progress.update(p)),
      );
    } catch (error) {
      rmSync(partial, { force: true });
      throw diskFullError(error, outputDir, file) ?? error;
    }
    renameSync(partial, path);
    ledger.release(OUTPUT_FILE_RESOURCE, partial);
    const check = await checkImage(path, format);
    if (check.corruptions + check.leaks + check.checkErrors > 0) {
      throw new CommandError(
        `qemu-img check ${path}`,
        null,
        '',
        `${check.corruptions} corruption(s), ${check.leaks} leak(s), ${check.checkErrors} check error(s)`,
      );
    }
    const size = statSync(path).size;
    const sha256 = await sha256File(path);
    images.push({
      format,
      file,
      path,
      size,
      sha256,
      check: check.supported ? 'no errors' : 'not supported by the format',
    });
    reporter.info(`${file}: ${size} bytes, SHA-256 ${sha256} (${formatDuration(Date.now() - started)})`);
  }
  return images;
}

/** The error to show when qemu-img ran out of space: where, how much is free, what to change. */
function diskFullError(error: unknown, outputDir: string, file: string): CommandError | undefined {
  if (!(error instanceof CommandError) || !/No space left on device/i.test(error.message)) {
    return undefined;
  }
  const { bavail, bsize } = statfsSync(outputDir);
  const free = `${((bavail * bsize) / (1024 * 1024)).toFixed(0)} MiB`;
  return new CommandError(
    `converting ${file}`,
    error.exitCode,
    error.outputTail,
    `the file system of output-dir ${outputDir} is full (${free} free after removing the partial image): ` +
      'give output-dir more room, or ask for fewer formats',
  );
}
