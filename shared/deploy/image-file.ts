import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { ConfigurationError } from '../errors.js';

/** Extensions of disk images; an artifact may also hold checksums, logs or a manifest beside the image. */
const IMAGE_EXTENSIONS = /\.(qcow2|img|raw|vmdk|vdi|vhd|vhdx|iso)$/i;

/** Downloads a workflow artifact by name into a folder and returns that folder. */
export type ArtifactDownloader = (name: string, destination: string) => Promise<string>;

export interface ImageFile {
  readonly path: string;
  readonly size: number;
  /** Where it came from, for the summary: the path, or `artifact NAME: file`. */
  readonly origin: string;
}

async function filesBelow(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

/** The one disk image in a downloaded artifact; anything else is an error that lists what is there. */
export async function pickImageFile(dir: string, artifact: string): Promise<string> {
  const files = await filesBelow(dir);
  const images = files.filter((file) => IMAGE_EXTENSIONS.test(file));
  if (images.length === 1) {
    return images[0] as string;
  }
  const listing = files.map((file) => relative(dir, file)).sort();
  const shown = listing.length > 0 ? listing.join(', ') : 'nothing';
  throw new ConfigurationError(
    images.length === 0
      ? `Artifact '${artifact}' holds no disk image (.qcow2, .img, .raw, .vmdk, .vdi, .vhd, .vhdx or .iso); it has: ${shown}.`
      : `Artifact '${artifact}' holds ${images.length} disk images (${images.map((f) => relative(dir, f)).join(', ')}); ` +
          `upload it with one image, or download it yourself and set 'image-path'.`,
  );
}

export async function checkImageFile(path: string, origin: string): Promise<ImageFile> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new ConfigurationError(`Option 'image-path': ${path} does not exist or cannot be read.`);
  }
  if (!info.isFile()) {
    throw new ConfigurationError(`Option 'image-path': ${path} is not a regular file.`);
  }
  if (info.size === 0) {
    throw new ConfigurationError(`Option 'image-path': ${path} is empty.`);
  }
  return { path, size: info.size, origin };
}

/** The image's default Glance name: its file name. */
export function defaultImageName(path: string): string {
  return basename(path);
}
