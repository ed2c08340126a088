/**
 * Fetching a base image over https: retried, checked against an expected SHA-256 or SHA-512, cached.
 * The action plugs in a tool-cache based Downloader, the CLI this plain one with a cache folder.
 *
 * Just over 300 lines: the digest check, the retrying fetch and the revalidating cache are one download
 * path; the cache needs the fetch's validators and the fetch the check.
 */
import { createHash } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { CommandError, ConfigurationError } from '../errors.js';
import { proxyFor } from '../proxy.js';
import { parseRetryAfter, withRetry } from '../retry.js';
import { type Progress, withProgress } from '../report/progress.js';
import type { Reporter } from '../report/reporter.js';

/** SHA-256, or SHA-512 for distributions that publish only that (Debian's SHA512SUMS). */
export type DigestAlgorithm = 'sha256' | 'sha512';

export interface ExpectedDigest {
  readonly algorithm: DigestAlgorithm;
  /** Lower-case hex. */
  readonly hex: string;
}

export interface DownloadRequest {
  readonly url: string;
  /** When given, a download that does not match fails (and is not cached). */
  readonly expected?: ExpectedDigest;
}

export interface Downloader {
  /** A local path holding the content of the URL (possibly from a cache). */
  download(request: DownloadRequest, reporter: Reporter): Promise<string>;
}

export async function fileDigest(path: string, algorithm: DigestAlgorithm): Promise<string> {
  const hash = createHash(algorithm);
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

export const sha256File = (path: string): Promise<string> => fileDigest(path, 'sha256');

/** The option that carries an expected digest, and how the digest is written for people. */
const DIGEST_NAMES: Record<DigestAlgorithm, { option: string; label: string }> = {
  sha256: { option: 'base-image-sha256', label: 'SHA-256' },
  sha512: { option: 'base-image-sha512', label: 'SHA-512' },
};

/** Throws a ConfigurationError naming both digests when a file does not have the expected one. */
export async function checkDigest(path: string, url: string, expected: ExpectedDigest): Promise<void> {
  const actual = await fileDigest(path, expected.algorithm);
  if (actual !== expected.hex.toLowerCase()) {
    const { option, label } = DIGEST_NAMES[expected.algorithm];
    throw new ConfigurationError(
      `The download of ${url} has ${label} ${actual}, but '${option}' expects ${expected.hex.toLowerCase()}.`,
    );
  }
}

/** Checks a fresh download, and removes it when it is not what was expected. */
export async function keepIfExpected(
  path: string,
  url: string,
  expected: ExpectedDigest | undefined,
): Promise<void> {
  if (!expected) return;
  try {
    await checkDigest(path, url, expected);
  } catch (error) {
    rmSync(path, { force: true });
    throw error;
  }
}

/** What a server said to identify a download's version, to ask later whether it changed (RFC 9110). */
export interface Validators {
  readonly etag?: string;
  readonly lastModified?: string;
}

/** A GET's outcome: the file was (re)written, or the server said the cached copy is still current. */
export type FetchOutcome =
  { readonly changed: true; readonly validators: Validators } | { readonly changed: false };

/**
 * Node's own fetch knows no proxy; undici's does. Loaded only for a download through a proxy: it is a
 * fifth of the build's bundle, and most builds start from a cached or local base image.
 */
async function fetchThroughProxy(
  url: string,
  proxy: URL,
  headers: Record<string, string>,
): Promise<Response> {
  const { fetch: undiciFetch, ProxyAgent } = await import('undici');
  const response = await undiciFetch(url, {
    redirect: 'follow',
    headers,
    dispatcher: new ProxyAgent(proxy.href),
  });
  return response as unknown as Response;
}

/**
 * GETs a URL into a file, writing to a temporary name first so an interrupted download leaves nothing.
 * With validators it is a conditional GET, and a 304 leaves the file as it is.
 */
export async function fetchToFile(
  url: string,
  target: string,
  ifChanged: Validators = {},
  reporter?: Reporter,
): Promise<FetchOutcome> {
  const headers: Record<string, string> = {};
  if (ifChanged.etag !== undefined) headers['if-none-match'] = ifChanged.etag;
  if (ifChanged.lastModified !== undefined) headers['if-modified-since'] = ifChanged.lastModified;
  let response: Response;
  try {
    const proxy = proxyFor(new URL(url));
    response = proxy
      ? await fetchThroughProxy(url, proxy, headers)
      : await fetch(url, { redirect: 'follow', headers });
  } catch (error) {
    // undici says only 'fetch failed'; the reason (DNS, refused, TLS) is in its cause.
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.message ?? cause?.code ?? (error as Error).message;
    throw new Error(`GET ${url} failed: ${why}`);
  }
  if (response.status === 304) {
    await response.body?.cancel();
    return { changed: false };
  }
  if (!response.ok || !response.body) {
    // A 429 or 503 may say when to ask again.
    throw Object.assign(
      new CommandError(`GET ${url}`, response.status, '', `HTTP ${response.status} ${response.statusText}`),
      { retryAfterMs: parseRetryAfter(response.headers.get('retry-after')) },
    );
  }
  const partial = `${target}.partial`;
  const length = Number(response.headers.get('content-length') ?? NaN);
  const spec = {
    label: `Downloading ${basename(new URL(url).pathname) || url}`,
    unit: 'bytes' as const,
    ...(Number.isSafeInteger(length) && length > 0 ? { total: length } : {}),
  };
  const save = async (progress?: Progress): Promise<void> => {
    const source = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
    let received = 0;
    source.on('data', (chunk: Uint8Array) => progress?.update((received += chunk.length)));
    await pipeline(source, createWriteStream(partial));
    renameSync(partial, target);
  };
  try {
    await (reporter ? withProgress(reporter, spec, save) : save());
  } finally {
    rmSync(partial, { force: true });
  }
  const etag = response.headers.get('etag') ?? undefined;
  const lastModified = response.headers.get('last-modified') ?? undefined;
  return {
    changed: true,
    validators: { ...(etag ? { etag } : {}), ...(lastModified ? { lastModified } : {}) },
  };
}

export async function withDownloadRetries<T>(
  what: string,
  reporter: Reporter,
  fn: () => Promise<T>,
  attempts = 4,
): Promise<T> {
  return withRetry(
    { attempts, baseDelayMs: 2000, maxDelayMs: 30_000 },
    fn,
    (error) => {
      const status = (error as { exitCode?: unknown }).exitCode;
      // 4xx other than 408/429 will not get better by asking again.
      const permanent =
        error instanceof ConfigurationError ||
        (typeof status === 'number' && status >= 400 && status < 500 && status !== 408 && status !== 429);
      const afterMs = (error as { retryAfterMs?: number }).retryAfterMs;
      return permanent ? { retry: false } : { retry: true, ...(afterMs !== undefined ? { afterMs } : {}) };
    },
    {
      onRetry: (error, _n, delay) =>
        reporter.warning(
          `Downloading ${what} failed (${(error as Error).message}); retrying in ${(delay / 1000).toFixed(1)} s.`,
        ),
    },
  );
}

/**
 * Downloads into cacheDir, one file per URL. A cached copy is used as it is when an expected digest pins
 * it; otherwise the server is asked with a conditional GET whether it changed (as curl -z and browsers
 * do), so a `…/latest/…` URL is not served stale forever. Offline, the cached copy is used with a warning.
 */
export class CachingDownloader implements Downloader {
  constructor(
    private readonly cacheDir: string,
    private readonly attempts = 4,
  ) {}

  async download(request: DownloadRequest, reporter: Reporter): Promise<string> {
    mkdirSync(this.cacheDir, { recursive: true });
    const key = createHash('sha256').update(request.url).digest('hex').slice(0, 24);
    const target = join(this.cacheDir, `base-${key}.img`);
    const record = join(this.cacheDir, `base-${key}.json`);
    const { url, expected } = request;
    if (existsSync(target)) {
      if (expected) {
        if ((await fileDigest(target, expected.algorithm)) === expected.hex.toLowerCase()) {
          reporter.info(`Using the cached download of ${url} (it has the expected digest): ${target}`);
          return target;
        }
        reporter.info(`The cached copy of ${url} has another digest; downloading again.`);
      } else if (await this.revalidate(url, target, record, reporter)) {
        return target;
      }
      rmSync(target, { force: true });
    }
    await withDownloadRetries(
      url,
      reporter,
      async () => {
        const outcome = await fetchToFile(url, target, {}, reporter);
        await keepIfExpected(target, url, expected);
        if (outcome.changed) writeValidators(record, outcome.validators);
      },
      this.attempts,
    );
    return target;
  }

  /** Whether target is (now) the current content of url: false when it must be downloaded afresh. */
  private async revalidate(
    url: string,
    target: string,
    record: string,
    reporter: Reporter,
  ): Promise<boolean> {
    const validators = readValidators(record);
    if (validators.etag === undefined && validators.lastModified === undefined) {
      reporter.info(
        `The cached copy of ${url} has no ETag or Last-Modified to check it against; downloading again.`,
      );
      return false;
    }
    let outcome: FetchOutcome;
    try {
      outcome = await fetchToFile(url, target, validators, reporter);
    } catch (error) {
      const cachedAt = statSync(target).mtime.toISOString();
      reporter.warning(
        `Could not ask whether ${url} changed (${(error as Error).message}); using the copy cached ${cachedAt}: ${target}`,
      );
      return true;
    }
    if (outcome.changed) {
      writeValidators(record, outcome.validators);
      reporter.info(`${url} changed since it was cached; downloaded the new one: ${target}`);
    } else {
      reporter.info(`The cached copy of ${url} is current (the server answered 304 Not Modified): ${target}`);
    }
    return true;
  }
}

function readValidators(record: string): Validators {
  try {
    const parsed = JSON.parse(readFileSync(record, 'utf8')) as Record<string, unknown>;
    return {
      ...(typeof parsed.etag === 'string' ? { etag: parsed.etag } : {}),
      ...(typeof parsed.lastModified === 'string' ? { lastModified: parsed.lastModified } : {}),
    };
  } catch {
    return {};
  }
}

function writeValidators(record: string, validators: Validators): void {
  writeFileSync(record, `${JSON.stringify(validators)}\n`);
}

/** The CLI's download cache: $INDICOVM_CACHE_DIR, else $XDG_CACHE_HOME/indicovm, else ~/.cache/indicovm. */
export function defaultDownloadCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const root =
    env.INDICOVM_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(env.HOME ?? '/tmp', '.cache'), 'indicovm');
  return join(root, 'downloads');
}
