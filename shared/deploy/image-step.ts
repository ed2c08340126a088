import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { CreatedResource } from '../cleanup/ledger.js';
import { DigestStream, type Digests } from '../openstack/digests.js';
import {
  sortByCreation,
  type CreateImageSpec,
  type GlanceImage,
  type ImportMethod,
} from '../openstack/glance.js';
import type { WaitOptions } from '../wait.js';
import type { Reporter } from '../report/reporter.js';
import { detectDiskFormat } from './disk-format.js';
import type { ImageFile } from './image-file.js';
import type { DeployGlance } from './cloud.js';
import { KIND } from './undo.js';

export interface ImageSettings {
  readonly name: string;
  readonly diskFormat: string;
  readonly containerFormat: string;
  readonly visibility: 'private' | 'shared' | 'community' | 'public';
  readonly properties: Readonly<Record<string, string>>;
  readonly tags: readonly string[];
  readonly minDisk: number;
  readonly minRam: number;
  readonly reuseImage: boolean;
  readonly importMethod: ImportMethod;
}

export interface PlacedImage {
  readonly image: GlanceImage;
  /** False when an identical active image was reused. */
  readonly uploaded: boolean;
  readonly digests: Digests;
  readonly diskFormat: string;
  readonly method?: 'direct' | 'glance-direct';
  readonly durationMs: number;
}

/** `auto` becomes the format the file's signature says; a given format that contradicts it is warned about. */
export async function chooseDiskFormat(file: ImageFile, wanted: string, reporter: Reporter): Promise<string> {
  const detected = await detectDiskFormat(file.path, file.size);
  if (wanted === 'auto') {
    reporter.info(`Disk format of ${file.path}: ${detected} (detected from the file)`);
    return detected;
  }
  if (detected !== 'raw' && detected !== wanted) {
    reporter.warning(
      `Option 'disk-format' is ${wanted}, but ${file.path} looks like ${detected}: Nova will boot it as ${wanted}.`,
    );
  }
  return wanted;
}

async function hashFile(path: string): Promise<Digests> {
  const hasher = new DigestStream();
  await pipeline(createReadStream(path), hasher, async (source: AsyncIterable<unknown>) => {
    for await (const _chunk of source) {
      // drained: DigestStream only computes the digests
    }
  });
  return hasher.digests as Digests;
}

/**
 * Uploads the file as a new image (recorded in the ledger the moment Glance has it), or with
 * reuse-image reuses an active image holding exactly these bytes. The client streams the file once,
 * hashing it on the way, and checks Glance's size, checksum and os_hash_value against it.
 */
export async function placeImage(
  glance: DeployGlance,
  file: ImageFile,
  settings: ImageSettings,
  context: { record: (resource: CreatedResource) => void; reporter: Reporter; wait: Partial<WaitOptions> },
): Promise<PlacedImage> {
  const { record, reporter, wait } = context;
  const started = Date.now();
  const diskFormat = await chooseDiskFormat(file, settings.diskFormat, reporter);
  if (settings.reuseImage) {
    const digests = await hashFile(file.path);
    const existing = await glance.findByHash(digests);
    if (existing && existing.disk_format === diskFormat) {
      reporter.info(
        `Reusing image ${existing.name ?? ''} (${existing.id}): it holds the same bytes (SHA-512 ${digests.sha512.slice(0, 16)}…)`,
      );
      return { image: existing, uploaded: false, digests, diskFormat, durationMs: Date.now() - started };
    }
    reporter.info('No active image with the same SHA-512: uploading');
  }
  const spec: CreateImageSpec = {
    name: settings.name,
    diskFormat,
    containerFormat: settings.containerFormat,
    visibility: settings.visibility,
    minDisk: settings.minDisk,
    minRam: settings.minRam,
    tags: settings.tags,
    properties: settings.properties,
  };
  const result = await glance.uploadImage(spec, file.path, {
    ...wait,
    importMethod: settings.importMethod,
    onCreated: (image) => {
      record({ kind: KIND.image, id: image.id, label: `image ${settings.name}` });
      reporter.info(`Created image ${settings.name} (${image.id}); uploading ${file.size} bytes`);
    },
  });
  return {
    image: result.image,
    uploaded: true,
    digests: result.digests,
    diskFormat,
    method: result.method,
    durationMs: Date.now() - started,
  };
}

/**
 * The prefix images of one series share: the name up to its first part that starts with a digit
 * (`indico-3.3-20261125.qcow2` → `indico-`). A name without such a part is its own series.
 */
export function rotationPrefix(name: string): { prefix: string; exact: boolean } {
  const parts = name.split(/([-_.])/);
  let prefix = '';
  for (let i = 0; i < parts.length; i += 2) {
    const part = parts[i] ?? '';
    if (/^\d/.test(part) && prefix !== '') {
      return { prefix, exact: false };
    }
    prefix += part + (parts[i + 1] ?? '');
  }
  return { prefix: name, exact: true };
}

/**
 * keep-images: of this project's images in the same series, deletes all but the newest `keep`; the
 * image just uploaded or booted is never a candidate.
 */
export async function rotateImages(
  glance: DeployGlance,
  name: string,
  keep: number,
  context: { projectId: string | undefined; protect: readonly string[]; reporter: Reporter },
): Promise<GlanceImage[]> {
  if (keep <= 0) {
    return [];
  }
  const { prefix, exact } = rotationPrefix(name);
  const series = sortByCreation(
    (await glance.listByPrefix(prefix)).filter(
      (image) =>
        (!exact || image.name === prefix) &&
        (context.projectId === undefined || image.owner === context.projectId),
    ),
  );
  const protectedIds = new Set(context.protect);
  // The protected image counts as one of the kept ones, and is never deleted.
  const others = series.filter((image) => !protectedIds.has(image.id));
  const kept = Math.max(0, keep - series.filter((image) => protectedIds.has(image.id)).length);
  const doomed = others.slice(0, Math.max(0, others.length - kept));
  for (const image of doomed) {
    context.reporter.info(
      `keep-images ${keep}: deleting older image ${image.name ?? ''} (${image.id}, ${image.created_at})`,
    );
    await glance.deleteIfExists(image.id);
  }
  return doomed;
}
