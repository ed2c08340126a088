/**
 * Glance v2: images by name or ID, create, upload (direct or staged and imported), wait for active,
 * download, delete, and the check that Glance holds exactly the bytes sent. Over 300 lines because it is
 * the whole of one service's API as this project uses it; the digest checks at the end are pure
 * functions kept beside the client whose answers they read.
 */
import { createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { CommandError, ConfigurationError } from '../errors.js';
import { withProgress } from '../report/progress.js';
import type { OpenStackSession } from './auth.js';
import {
  digestFor,
  DigestStream,
  hashedFileChunks,
  hashFile,
  nodeHashName,
  RunningDigest,
  type Digests,
} from './digests.js';
import { header, OpenStackHttpError } from './http.js';
import { reportStatus, waitFor, type WaitOptions } from '../wait.js';
import { isUuid } from './ids.js';

/** Glance v2: images from creation to deletion, their bytes streamed and checked both ways. */

export interface GlanceImage {
  readonly id: string;
  readonly name: string | null;
  readonly status: string;
  readonly created_at: string;
  readonly size?: number | null;
  /** The disk's size as the guest sees it; Glance works it out for some formats only. */
  readonly virtual_size?: number | null;
  readonly min_disk?: number;
  readonly checksum?: string | null;
  readonly os_hash_algo?: string | null;
  readonly os_hash_value?: string | null;
  readonly disk_format?: string | null;
  readonly visibility?: string;
  readonly tags?: string[];
  readonly os_glance_failed_import?: string;
  readonly [property: string]: unknown;
}

export interface CreateImageSpec {
  readonly name: string;
  readonly diskFormat: string;
  readonly containerFormat?: string;
  readonly visibility?: 'private' | 'shared' | 'community' | 'public';
  readonly minDisk?: number;
  readonly minRam?: number;
  readonly tags?: readonly string[];
  /** Custom properties; Glance stores them as top-level keys of the image. */
  readonly properties?: Readonly<Record<string, string>>;
}

export type ImportMethod = 'auto' | 'direct' | 'glance-direct';

export interface UploadOptions extends Partial<WaitOptions> {
  readonly importMethod?: ImportMethod;
  /** Send Transfer-Encoding: chunked instead of Content-Length. */
  readonly chunked?: boolean;
}

/** Keys Glance owns; a custom property with one of these names would change the image itself. */
const RESERVED = new Set([
  'id',
  'name',
  'status',
  'visibility',
  'protected',
  'os_hidden',
  'checksum',
  'os_hash_algo',
  'os_hash_value',
  'owner',
  'size',
  'virtual_size',
  'created_at',
  'updated_at',
  'file',
  'schema',
  'self',
  'direct_url',
  'locations',
  'tags',
  'disk_format',
  'container_format',
  'min_disk',
  'min_ram',
  'stores',
]);

const FAILED_STATES = new Set(['killed', 'deactivated', 'deleted', 'pending_delete']);
/** Statuses of a direct upload refused by policy or configuration, where staging may still work. */
const UPLOAD_REFUSED = new Set([403, 405, 415]);

export class Glance {
  readonly #session: OpenStackSession;

  constructor(session: OpenStackSession) {
    this.#session = session;
  }

  /** The API root: some catalogs list Glance with its version, most without. */
  #path(path: string): string {
    const base = this.#session.endpoint('image');
    return /\/v2$/.test(base) ? path.replace(/^\/v2/, '') : path;
  }

  async #json<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, json?: unknown): Promise<T> {
    const response = await this.#session.request('image', {
      method,
      path: this.#path(path),
      json,
      response: 'json',
    });
    return response.body as T;
  }

  async create(spec: CreateImageSpec): Promise<{ image: GlanceImage; importMethods: string[] }> {
    for (const key of Object.keys(spec.properties ?? {})) {
      if (RESERVED.has(key)) {
        throw new ConfigurationError(
          `image property '${key}' is set by Glance itself; use the matching option instead`,
        );
      }
    }
    const body = {
      ...spec.properties,
      name: spec.name,
      disk_format: spec.diskFormat,
      container_format: spec.containerFormat ?? 'bare',
      visibility: spec.visibility ?? 'private',
      min_disk: spec.minDisk ?? 0,
      min_ram: spec.minRam ?? 0,
      tags: [...(spec.tags ?? [])],
    };
    const response = await this.#session.request('image', {
      method: 'POST',
      path: this.#path('/v2/images'),
      json: body,
      response: 'json',
    });
    return {
      image: response.body as GlanceImage,
      importMethods: splitMethods(header(response.headers, 'openstack-image-import-methods')),
    };
  }

  async get(id: string): Promise<GlanceImage> {
    return this.#json<GlanceImage>('GET', `/v2/images/${encodeURIComponent(id)}`);
  }

  /** The image, or undefined when Glance answers 404. */
  async find(id: string): Promise<GlanceImage | undefined> {
    try {
      return await this.get(id);
    } catch (error) {
      if (error instanceof OpenStackHttpError && error.status === 404) {
        return undefined;
      }
      throw error;
    }
  }

  /** Every page of a listing, following Glance's `next` links. */
  async list(query: Readonly<Record<string, string>> = {}): Promise<GlanceImage[]> {
    const images: GlanceImage[] = [];
    let path: string | undefined = `/v2/images?${new URLSearchParams({ limit: '200', ...query }).toString()}`;
    while (path) {
      const page: { images: GlanceImage[]; next?: string } = await this.#json('GET', path);
      images.push(...page.images);
      path = page.next;
    }
    return images;
  }

  /** An image by ID or exact name; a name must be unambiguous. */
  async resolve(nameOrId: string): Promise<GlanceImage> {
    if (isUuid(nameOrId)) {
      const image = await this.find(nameOrId);
      if (image) {
        return image;
      }
    }
    const named = await this.list({ name: nameOrId });
    if (named.length === 1) {
      return named[0] as GlanceImage;
    }
    if (named.length === 0) {
      throw new ConfigurationError(`image '${nameOrId}' was not found in Glance (by name or ID)`);
    }
    throw new ConfigurationError(
      `image name '${nameOrId}' is ambiguous: ${named.length} images have it (${named.map((image) => image.id).join(', ')}); use an ID`,
    );
  }

  /** Images whose name starts with prefix, oldest first: the candidates of a keep-N rotation. */
  async listByPrefix(prefix: string): Promise<GlanceImage[]> {
    const all = await this.list({ sort: 'created_at:asc' });
    return sortByCreation(all.filter((image) => (image.name ?? '').startsWith(prefix)));
  }

  /** An active image with exactly these bytes (Glance's os_hash_value), to reuse instead of uploading. */
  async findByHash(digests: Digests): Promise<GlanceImage | undefined> {
    const candidates = await this.list({ os_hash_value: digests.sha512, status: 'active' });
    return candidates.find((image) => image.status === 'active' && matches(image, digests).length === 0);
  }

  async delete(id: string): Promise<void> {
    await this.#session.request('image', {
      method: 'DELETE',
      path: this.#path(`/v2/images/${encodeURIComponent(id)}`),
      response: 'none',
    });
  }

  /** Deletes and tolerates an image that is already gone. */
  async deleteIfExists(id: string): Promise<boolean> {
    try {
      await this.delete(id);
      return true;
    } catch (error) {
      if (error instanceof OpenStackHttpError && error.status === 404) {
        return false;
      }
      throw error;
    }
  }

  async importMethods(): Promise<string[]> {
    const info = await this.#json<{ 'import-methods'?: { value?: string[] } }>('GET', '/v2/info/import');
    return info['import-methods']?.value ?? [];
  }

  /**
   * Sends a file's bytes to a queued image and hashes them in the same pass. `direct` is PUT /file;
   * `glance-direct` is PUT /stage then POST /import; `auto` tries direct and stages when the cloud
   * refuses direct uploads. Returns the digests of what was sent and the way it went.
   */
  async upload(
    image: { id: string },
    file: string,
    options: UploadOptions & { importMethods?: readonly string[] } = {},
  ): Promise<{ digests: Digests; method: 'direct' | 'glance-direct' }> {
    const method = options.importMethod ?? 'auto';
    if (method === 'glance-direct') {
      return { digests: await this.#stageAndImport(image.id, file, options), method };
    }
    try {
      return { digests: await this.#send('file', image.id, file, options), method: 'direct' };
    } catch (error) {
      if (
        method === 'direct' ||
        !(error instanceof OpenStackHttpError) ||
        !UPLOAD_REFUSED.has(error.status ?? 0)
      ) {
        throw error;
      }
      const offered = options.importMethods?.length ? options.importMethods : await this.importMethods();
      if (!offered.includes('glance-direct')) {
        throw new CommandError(
          `upload of image ${image.id}`,
          null,
          '',
          `Glance refused the direct upload (${error.message}) and does not offer the glance-direct import (offers: ${offered.join(', ') || 'none'})`,
        );
      }
      this.#session.reporter.info(
        `Glance refused the direct upload (HTTP ${error.status}); staging and importing instead`,
      );
      return { digests: await this.#stageAndImport(image.id, file, options), method: 'glance-direct' };
    }
  }

  async #stageAndImport(id: string, file: string, options: UploadOptions): Promise<Digests> {
    const digests = await this.#send('stage', id, file, options);
    await this.#session.request('image', {
      method: 'POST',
      path: this.#path(`/v2/images/${encodeURIComponent(id)}/import`),
      json: { method: { name: 'glance-direct' } },
      response: 'none',
    });
    return digests;
  }

  async #send(target: 'file' | 'stage', id: string, file: string, options: UploadOptions): Promise<Digests> {
    const { size } = await stat(file);
    let hasher: RunningDigest | undefined;
    const label = `Uploading ${basename(file)} to Glance${target === 'stage' ? ' (staging)' : ''}`;
    await withProgress(this.#session.reporter, { label, unit: 'bytes', total: size }, async (progress) => {
      // A retry sends the file again from the start, so it is hashed and counted again from the start.
      async function* body(): AsyncGenerator<Buffer> {
        const digest = (hasher = new RunningDigest());
        progress.restart();
        for await (const chunk of hashedFileChunks(file, digest)) {
          yield chunk;
          progress.update(digest.size);
        }
      }
      await this.#session.request('image', {
        method: 'PUT',
        path: this.#path(`/v2/images/${encodeURIComponent(id)}/${target}`),
        body,
        contentLength: options.chunked ? undefined : size,
        contentType: 'application/octet-stream',
        response: 'none',
      });
    });
    const digests = hasher?.takeDigests();
    if (!digests || digests.size !== size) {
      throw new CommandError(`upload of ${file}`, null, '', `sent ${digests?.size ?? 0} of ${size} bytes`);
    }
    return digests;
  }

  /** Polls until the image is active; fails at once on killed/deactivated or a failed import. */
  async waitActive(id: string, options: Partial<WaitOptions> = {}): Promise<GlanceImage> {
    let last: string | undefined;
    const onStateChange = reportStatus(this.#session.reporter, `Image ${id}`);
    return waitFor(
      `image ${id} to become active`,
      { onStateChange, ...options },
      async () => {
        const image = await this.get(id);
        last = image.status;
        if (image.status === 'active') {
          return image;
        }
        if (FAILED_STATES.has(image.status)) {
          throw new CommandError(`image ${id}`, null, '', `Glance set it to '${image.status}'`);
        }
        if (image.os_glance_failed_import) {
          throw new CommandError(
            `import of image ${id}`,
            null,
            '',
            `failed for store(s) ${image.os_glance_failed_import}`,
          );
        }
        return undefined;
      },
      () => last,
    );
  }

  /** Create, upload, wait for active and check that Glance holds exactly our bytes. */
  async uploadImage(
    spec: CreateImageSpec,
    file: string,
    options: UploadOptions & { onCreated?: (image: GlanceImage) => void } = {},
  ): Promise<{ image: GlanceImage; digests: Digests; method: 'direct' | 'glance-direct' }> {
    const { image, importMethods } = await this.create(spec);
    options.onCreated?.(image);
    const { digests, method } = await this.upload(image, file, { ...options, importMethods });
    const active = await this.waitActive(image.id, options);
    const checked = await digestsToCheck(active, digests, file);
    verifyDigests(active, checked);
    return { image: active, digests: checked, method };
  }

  /** Streams an image's bytes to a file and checks them against Glance's checksum and hash. */
  async download(nameOrId: string, file: string): Promise<{ image: GlanceImage; digests: Digests }> {
    const image = await this.resolve(nameOrId);
    if (image.status !== 'active') {
      throw new ConfigurationError(
        `image '${nameOrId}' is ${image.status}, not active: it cannot be downloaded`,
      );
    }
    const response = await this.#session.request('image', {
      method: 'GET',
      path: this.#path(`/v2/images/${image.id}/file`),
      headers: { Accept: 'application/octet-stream' },
      response: 'stream',
    });
    const hasher = new DigestStream();
    try {
      await pipeline(response.body, hasher, createWriteStream(file, { mode: 0o600 }));
    } catch (error) {
      await rm(file, { force: true });
      throw new CommandError(
        `download of image ${image.id}`,
        null,
        '',
        `the transfer broke off: ${(error as Error).message}`,
      );
    }
    let digests = hasher.digests as Digests;
    try {
      digests = await digestsToCheck(image, digests, file);
      verifyDigests(image, digests);
    } catch (error) {
      await rm(file, { force: true });
      throw error;
    }
    return { image, digests };
  }
}

function splitMethods(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((method) => method.trim())
    .filter((method) => method !== '');
}

export function sortByCreation(images: readonly GlanceImage[]): GlanceImage[] {
  return [...images].sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
}

/** Of images sorted oldest first, the ones to delete so that the newest `keep` remain (0: keep all). */
export function imagesBeyondKeep(sortedOldestFirst: readonly GlanceImage[], keep: number): GlanceImage[] {
  return keep <= 0 ? [] : sortedOldestFirst.slice(0, Math.max(0, sortedOldestFirst.length - keep));
}

/** What differs between Glance's record and our digests; empty when they agree. */
export function matches(image: GlanceImage, digests: Digests): string[] {
  const problems: string[] = [];
  if (typeof image.size === 'number' && image.size !== digests.size) {
    problems.push(`size ${image.size} instead of ${digests.size}`);
  }
  const md5 = digests.more?.md5;
  if (image.checksum && md5 !== undefined && image.checksum !== md5) {
    problems.push(`MD5 checksum ${image.checksum} instead of ${md5}`);
  }
  const ours = digestFor(digests, image.os_hash_algo ?? undefined);
  if (image.os_hash_value && ours !== undefined && image.os_hash_value !== ours) {
    problems.push(`${image.os_hash_algo} ${image.os_hash_value} instead of ${ours}`);
  }
  return problems;
}

/**
 * The digests a check of this image needs that were not taken on the way: os_hash_algo when Glance is
 * configured with another one than SHA-512, MD5 when Glance reports only the legacy `checksum`.
 */
export function digestsStillNeeded(image: GlanceImage, digests: Digests): string[] {
  const algorithm = image.os_hash_algo?.toLowerCase();
  const needed: string[] = [];
  if (
    image.os_hash_value &&
    algorithm &&
    digestFor(digests, algorithm) === undefined &&
    nodeHashName(algorithm)
  ) {
    needed.push(algorithm);
  }
  const hashChecked =
    image.os_hash_value && (needed.length > 0 || digestFor(digests, algorithm) !== undefined);
  if (!hashChecked && image.checksum && digests.more?.md5 === undefined) {
    needed.push('md5');
  }
  return needed;
}

/** The digests with what the check of this image still needs, from one more read of the file. */
export async function digestsToCheck(image: GlanceImage, digests: Digests, file: string): Promise<Digests> {
  const needed = digestsStillNeeded(image, digests);
  return needed.length === 0
    ? digests
    : { ...digests, more: { ...digests.more, ...(await hashFile(file, needed)) } };
}

export function verifyDigests(image: GlanceImage, digests: Digests): void {
  const fail = (reason: string): never => {
    throw new CommandError(`check of image ${image.id}`, null, '', reason);
  };
  const problems = matches(image, digests);
  if (problems.length > 0) {
    fail(`Glance holds different bytes: ${problems.join('; ')}`);
  }
  if (!image.checksum && !image.os_hash_value) {
    fail('Glance reports neither checksum nor os_hash_value');
  }
  const compared =
    (image.checksum && digests.more?.md5 !== undefined) ||
    (image.os_hash_value && digestFor(digests, image.os_hash_algo ?? undefined) !== undefined);
  if (!compared) {
    fail(
      `none of Glance's digests could be compared (os_hash_algo ${image.os_hash_algo ?? 'none'} is not one this Node has)`,
    );
  }
}
