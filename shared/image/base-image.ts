import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigurationError } from '../errors.js';
import { imageInfo, type ImageInfo } from '../qemu/img.js';
import type { Reporter } from '../report/reporter.js';
import { checkDigest, sha256File, type Downloader, type ExpectedDigest } from './download.js';

/** Fetches a Glance image by name or ID into dir and returns its path (needs OpenStack credentials). */
export type GlanceImageFetcher = (nameOrId: string, dir: string, reporter: Reporter) => Promise<string>;

export interface BaseImage {
  /** What the user gave: the URL, the path or glance:<name>. */
  readonly source: string;
  readonly path: string;
  readonly sha256: string;
  readonly format: string;
  readonly virtualSize: number;
}

export interface BaseImageDeps {
  readonly downloader?: Downloader;
  readonly fetchGlanceImage?: GlanceImageFetcher;
  /** Where a Glance download is written (the build's temporary folder). */
  readonly workDir: string;
  /** Relative local paths are resolved against this folder (the workspace in an action). */
  readonly cwd?: string;
  /** Reads the file's format and size (default: qemu-img info). */
  readonly imageInfo?: (path: string) => Promise<ImageInfo>;
}

const BASE_FORMATS = new Set(['qcow2', 'raw', 'vmdk', 'vdi', 'vpc', 'vhdx']);

export async function resolveBaseImage(
  source: string,
  expected: ExpectedDigest | undefined,
  deps: BaseImageDeps,
  reporter: Reporter,
): Promise<BaseImage> {
  let path: string;
  if (/^https?:\/\//i.test(source)) {
    if (!/^https:\/\//i.test(source)) {
      throw new ConfigurationError(`Option 'base-image' ${source}: only https URLs are downloaded.`);
    }
    if (!deps.downloader) {
      throw new ConfigurationError(`Option 'base-image' is a URL, but this runner offers no downloader.`);
    }
    path = await deps.downloader.download({ url: source, ...(expected ? { expected } : {}) }, reporter);
    // Also for a copy from a cache, which the downloader may have kept under an older check.
    if (expected) await checkDigest(path, source, expected);
  } else if (source.startsWith('glance:')) {
    if (!deps.fetchGlanceImage) {
      throw new ConfigurationError(
        `Option 'base-image' is ${source}, but this caller offers no Glance access.`,
      );
    }
    path = await deps.fetchGlanceImage(source.slice('glance:'.length), deps.workDir, reporter);
  } else {
    path = resolve(deps.cwd ?? process.cwd(), source);
    if (!existsSync(path) || !statSync(path).isFile()) {
      throw new ConfigurationError(
        `Option 'base-image': ${path} is not a file. Give an https URL, a local image file or glance:<name-or-id>.`,
      );
    }
  }
  const info = await (deps.imageInfo ?? imageInfo)(path);
  if (!BASE_FORMATS.has(info.format)) {
    throw new ConfigurationError(
      `Option 'base-image': ${source} is a ${info.format} image; use one of ${[...BASE_FORMATS].join(', ')}.`,
    );
  }
  if (info.backingFile !== undefined) {
    throw new ConfigurationError(
      `Option 'base-image': ${source} has a backing file (${info.backingFile}); give a standalone image.`,
    );
  }
  return {
    source,
    path,
    // A checked SHA-256 is the file's: no second pass over a large image.
    sha256: expected?.algorithm === 'sha256' ? expected.hex.toLowerCase() : await sha256File(path),
    format: info.format,
    virtualSize: info.virtualSize,
  };
}
