/**
 * The base-image downloaders against real servers on loopback: the CLI's plain one over HTTP, and the
 * action's tool-cache one over HTTPS with a self-signed certificate: retries, hash check, cache.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { CachingDownloader } from '../../../shared/image/download.js';
import { ConfigurationError } from '../../../shared/errors.js';
import { RecordingReporter } from '../../support/recording-reporter.js';
import { REPO, TSX_LOADER } from '../../support/run-action.js';
import { selfSignedPair } from '../../support/tls.js';

const BODY = Buffer.from('not really a disk image\n'.repeat(1000));
const BODY_SHA256 = createHash('sha256').update(BODY).digest('hex');

const reporter = new RecordingReporter();

let server: Server;
let base: string;
const hits: Record<string, number> = {};
let latestVersion = 1;
const cacheRoot = mkdtempSync(join(tmpdir(), 'indicovm-download-test-'));

beforeAll(async () => {
  server = createServer((request, response) => {
    const path = request.url ?? '/';
    hits[path] = (hits[path] ?? 0) + 1;
    if (path === '/flaky.img' && hits[path] === 1) {
      response.writeHead(503).end('busy');
    } else if (path === '/missing.img') {
      response.writeHead(404).end('no');
    } else if (path === '/latest.img') {
      // A "latest" URL whose content changes: it answers conditional GETs as a real server does.
      const etag = `"v${latestVersion}"`;
      if (request.headers['if-none-match'] === etag) {
        response.writeHead(304, { etag }).end();
      } else {
        response.writeHead(200, { etag }).end(`version ${latestVersion}\n`);
      }
    } else {
      response.writeHead(200, { 'content-length': BODY.length }).end(BODY);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(cacheRoot, { recursive: true, force: true });
});

describe('CachingDownloader', () => {
  test('downloads once, checks the hash, then serves the cache', async () => {
    const downloader = new CachingDownloader(join(cacheRoot, 'a'));
    const first = await downloader.download(
      { url: `${base}/good.img`, expected: { algorithm: 'sha256', hex: BODY_SHA256 } },
      reporter,
    );
    expect(readFileSync(first)).toEqual(BODY);
    const second = await downloader.download(
      { url: `${base}/good.img`, expected: { algorithm: 'sha256', hex: BODY_SHA256 } },
      reporter,
    );
    expect(second).toBe(first);
    expect(hits['/good.img']).toBe(1);
    expect(reporter.lines).toContainEqual(
      expect.stringMatching(
        /^progress: Downloading good\.img: done, 0\.0 MiB in \S+ m?s \(\d+\.\d MiB\/s\)$/,
      ),
    );
  });

  test('retries a 503 and succeeds', async () => {
    const path = await new CachingDownloader(join(cacheRoot, 'b')).download(
      { url: `${base}/flaky.img` },
      reporter,
    );
    expect(readFileSync(path)).toEqual(BODY);
    expect(hits['/flaky.img']).toBe(2);
    expect(reporter.warnings().some((w) => w.includes('retrying'))).toBe(true);
  });

  test('a wrong hash is a configuration error and nothing stays in the cache', async () => {
    const dir = join(cacheRoot, 'c');
    const attempt = new CachingDownloader(dir).download(
      { url: `${base}/other.img`, expected: { algorithm: 'sha256', hex: 'f'.repeat(64) } },
      reporter,
    );
    await expect(attempt).rejects.toThrow(ConfigurationError);
    await expect(
      new CachingDownloader(dir).download(
        { url: `${base}/other.img`, expected: { algorithm: 'sha256', hex: 'f'.repeat(64) } },
        reporter,
      ),
    ).rejects.toThrow(`has SHA-256 ${BODY_SHA256}`);
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });

  test('a SHA-512 (what Debian publishes) is checked the same way, and named in its error', async () => {
    const sha512 = createHash('sha512').update(BODY).digest('hex');
    const downloader = new CachingDownloader(join(cacheRoot, 'd'));
    const path = await downloader.download(
      { url: `${base}/good.img`, expected: { algorithm: 'sha512', hex: sha512.toUpperCase() } },
      reporter,
    );
    expect(readFileSync(path)).toEqual(BODY);
    await expect(
      new CachingDownloader(join(cacheRoot, 'e')).download(
        { url: `${base}/good.img`, expected: { algorithm: 'sha512', hex: 'f'.repeat(128) } },
        reporter,
      ),
    ).rejects.toThrow(`has SHA-512 ${sha512}, but 'base-image-sha512' expects ${'f'.repeat(128)}`);
    expect(readdirSync(join(cacheRoot, 'e'))).toEqual([]);
  });

  test('a cached copy is revalidated: 304 keeps it, a changed upstream replaces it, offline uses it', async () => {
    const dir = join(cacheRoot, 'latest');
    const downloader = new CachingDownloader(dir);
    const url = `${base}/latest.img`;
    const first = await downloader.download({ url }, reporter);
    expect(readFileSync(first, 'utf8')).toBe('version 1\n');

    const current = new RecordingReporter();
    expect(await downloader.download({ url }, current)).toBe(first);
    expect(current.all()).toContain('is current (the server answered 304 Not Modified)');
    expect(hits['/latest.img']).toBe(2);

    latestVersion = 2;
    const changed = new RecordingReporter();
    expect(readFileSync(await downloader.download({ url }, changed), 'utf8')).toBe('version 2\n');
    expect(changed.all()).toContain('changed since it was cached');
  });

  test('when the server cannot be asked, the cached copy is used with a warning that says why', async () => {
    const gone = createServer((_request, response) => {
      response
        .writeHead(200, { 'last-modified': 'Mon, 07 Dec 2026 00:00:00 GMT', connection: 'close' })
        .end('cached\n');
    });
    await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(gone.address() as AddressInfo).port}/base.img`;
    const downloader = new CachingDownloader(join(cacheRoot, 'offline'));
    const first = await downloader.download({ url }, reporter);
    await new Promise((resolve) => gone.close(resolve));

    const offline = new RecordingReporter();
    expect(await downloader.download({ url }, offline)).toBe(first);
    expect(readFileSync(first, 'utf8')).toBe('cached\n');
    expect(offline.warnings().join('\n')).toMatch(
      /Could not ask whether .* changed \(GET .* failed: connect ECONNREFUSED .*\); using the copy cached 20\d\d-/,
    );
  });

  test('a cached copy without ETag or Last-Modified is downloaded again, and says so', async () => {
    const downloader = new CachingDownloader(join(cacheRoot, 'plain'));
    await downloader.download({ url: `${base}/plain.img` }, reporter);
    const again = new RecordingReporter();
    await downloader.download({ url: `${base}/plain.img` }, again);
    expect(again.all()).toContain('has no ETag or Last-Modified to check it against');
    expect(hits['/plain.img']).toBe(2);
  });

  test('an unreachable server: the error names the URL and the reason, not just "fetch failed"', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/base.img`;
    await expect(
      new CachingDownloader(join(cacheRoot, 'refused'), 1).download({ url }, reporter),
    ).rejects.toThrow(`GET ${url} failed: connect ECONNREFUSED`);
  });

  test('a 404 is not retried', async () => {
    await expect(
      new CachingDownloader(join(cacheRoot, 'd')).download({ url: `${base}/missing.img` }, reporter),
    ).rejects.toThrow('HTTP 404');
    expect(hits['/missing.img']).toBe(1);
  });
});

/** A loopback port that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Every file under a folder, relative to it. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) {
    return [];
  }
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => !entry.isDirectory())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

describe('ToolCacheDownloader (the action, an https base-image)', () => {
  const DRIVER = join(REPO, 'test/integration/image/tool-cache-download.driver.ts');
  const root = join(cacheRoot, 'tool-cache');
  const toolCache = join(root, 'tool-cache');
  const runnerTemp = join(root, 'runner-temp');
  const certFile = join(root, 'server.crt');
  const tlsHits: Record<string, number> = {};
  let tlsServer: ReturnType<typeof createHttpsServer>;
  let tlsBase: string;

  beforeAll(async () => {
    mkdirSync(toolCache, { recursive: true });
    mkdirSync(runnerTemp, { recursive: true });
    const { keyFile } = selfSignedPair(root, '127.0.0.1', { name: 'server', subjectAltName: 'IP:127.0.0.1' });
    tlsServer = createHttpsServer(
      { key: readFileSync(keyFile), cert: readFileSync(certFile) },
      (request, response) => {
        const path = request.url ?? '/';
        tlsHits[path] = (tlsHits[path] ?? 0) + 1;
        if (path === '/flaky.img' && tlsHits[path] === 1) {
          response.writeHead(503).end('busy');
        } else if (path === '/missing.img') {
          response.writeHead(404).end('no');
        } else {
          response.writeHead(200, { 'content-length': BODY.length }).end(BODY);
        }
      },
    );
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    tlsBase = `https://127.0.0.1:${(tlsServer.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => tlsServer.close(resolve));
  });

  /** One download in a child process (the server answers meanwhile, so not spawnSync). */
  async function download(
    url: string,
    sha256?: string,
    trustServer = true,
  ): Promise<{
    status: number | null;
    result: { path?: string; error?: string; message?: string };
    log: string;
  }> {
    const child = spawn(
      process.execPath,
      ['--import', TSX_LOADER, DRIVER, url, ...(sha256 ? [sha256] : [])],
      {
        cwd: root,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: process.env.HOME ?? '/root',
          RUNNER_TOOL_CACHE: toolCache,
          RUNNER_TEMP: runnerTemp,
          TSX_DISABLE_CACHE: '1',
          ...(trustServer ? { NODE_EXTRA_CA_CERTS: certFile } : {}),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const line = /^RESULT (.*)$/m.exec(stdout)?.[1];
    if (line === undefined) {
      throw new Error(`the driver printed no result (status ${status}):\n${stdout}\n${stderr}`);
    }
    return { status, result: JSON.parse(line) as { path?: string; message?: string }, log: stderr };
  }

  test('downloads into the tool cache, checks the hash; the next run is a cache hit', async () => {
    const first = await download(`${tlsBase}/good.img`, BODY_SHA256);
    expect(first.status).toBe(0);
    expect(first.result.path?.startsWith(join(toolCache, 'indicovm-base-image'))).toBe(true);
    expect(readFileSync(first.result.path!)).toEqual(BODY);
    expect(tlsHits['/good.img']).toBe(1);
    // tool-cache's temporary download is gone once the file is in the cache.
    expect(filesUnder(runnerTemp)).toEqual([]);

    const second = await download(`${tlsBase}/good.img`, BODY_SHA256);
    expect(second.status).toBe(0);
    expect(second.result.path).toBe(first.result.path);
    expect(second.log).toContain("Using the tool cache's copy");
    expect(tlsHits['/good.img']).toBe(1);
  });

  test('a wrong sha256 fails, says both digests, and leaves nothing in the cache or the temp folder', async () => {
    const before = filesUnder(toolCache);
    const wrong = 'f'.repeat(64);
    const run = await download(`${tlsBase}/tampered.img`, wrong);
    expect(run.status).toBe(1);
    expect(run.result.error).toBe('ConfigurationError');
    expect(run.result.message).toContain(
      `has SHA-256 ${BODY_SHA256}, but 'base-image-sha256' expects ${wrong}`,
    );
    expect(filesUnder(toolCache)).toEqual(before);
    expect(filesUnder(runnerTemp)).toEqual([]);
    // Nothing was cached: asking again downloads again (and fails again).
    expect((await download(`${tlsBase}/tampered.img`, wrong)).status).toBe(1);
    expect(tlsHits['/tampered.img']).toBe(2);
  });

  test('a 503 is retried, then the download succeeds', async () => {
    const run = await download(`${tlsBase}/flaky.img`, BODY_SHA256);
    expect(run.status).toBe(0);
    expect(readFileSync(run.result.path!)).toEqual(BODY);
    expect(tlsHits['/flaky.img']).toBe(2);
  });

  test('an unpinned URL is not cached (it could go stale): each run downloads it afresh and says why', async () => {
    const cacheBefore = filesUnder(toolCache);
    for (const attempt of [1, 2]) {
      const run = await download(`${tlsBase}/latest.img`);
      expect(run.status).toBe(0);
      expect(run.result.path?.startsWith(runnerTemp)).toBe(true);
      expect(readFileSync(run.result.path!)).toEqual(BODY);
      expect(run.log).toContain('is downloaded afresh: the tool cache keeps only pinned images');
      expect(tlsHits['/latest.img']).toBe(attempt);
      rmSync(run.result.path!);
    }
    expect(filesUnder(toolCache)).toEqual(cacheBefore);
  });

  test('a 404 is not asked again', async () => {
    const run = await download(`${tlsBase}/missing.img`);
    expect(run.status).toBe(1);
    expect(run.result.message).toContain('HTTP 404');
    expect(tlsHits['/missing.img']).toBe(1);
  });

  test('the certificate is checked: a server node does not trust is refused', async () => {
    const run = await download(`${tlsBase}/untrusted.img`, undefined, false);
    expect(run.status).toBe(1);
    expect(run.result.message).toMatch(/self[- ]signed certificate/i);
    expect(filesUnder(runnerTemp)).toEqual([]);
  }, 120_000);
});
