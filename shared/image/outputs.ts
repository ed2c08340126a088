import type { OutputCatalog } from '../options/outputs.js';
import type { BuildImageResult } from './build-image.js';

/** What the build step knows when it sets outputs: the serial log first, the rest once built. */
export interface BuildRun {
  readonly serialLog: string;
  readonly result?: BuildImageResult;
  readonly artifact?: { readonly name: string; readonly id: number };
}

export const buildOutputs: OutputCatalog<BuildRun> = {
  'image-path': { description: 'Path of the first image in formats', of: (r) => r.result?.images[0]?.path },
  'image-format': { description: 'Format of image-path', of: (r) => r.result?.images[0]?.format },
  'image-size': { description: 'Size of image-path in bytes', of: (r) => r.result?.images[0]?.size },
  sha256: { description: 'SHA-256 of image-path', of: (r) => r.result?.images[0]?.sha256 },
  images: {
    description: 'JSON list of every built image: format, path, size, sha256',
    of: (r) => r.result?.images,
  },
  manifest: {
    description: 'Path of the JSON manifest describing the build',
    of: (r) => r.result?.manifestPath,
  },
  'artifact-name': { description: 'Name of the uploaded workflow artifact', of: (r) => r.artifact?.name },
  'artifact-id': { description: 'ID of the uploaded workflow artifact', of: (r) => r.artifact?.id },
  'serial-log': { description: 'Path of the qemu serial console log', of: (r) => r.serialLog },
};
