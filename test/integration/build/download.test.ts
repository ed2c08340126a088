/** The plain downloader against a real HTTP server on loopback: retries, hash check, cache. */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CachingDownloader } from '../../../shared/build/download.js';
import { ConfigurationError } from '../../../shared/errors.js';
import type { Reporter } from '../../../shared/report/reporter.js';

const BODY = Buffer.from('not really a disk image\n'.repeat(1000));
const BODY_SHA256 = createHash('sha256').update(BODY).digest('hex');

const warnings: string[] = [];
const reporter: Reporter = {
  debug: () => undefined,
  info: () => undefined,
  warning: (message) => warnings.push(message),
  error: () => undefined,
  group: (_title, fn) => fn(),
  mask: () => undefined,
  summary: () => undefined,
};

let server: Server;
let base: string;
const hits: Record<string, number> = {};
const cacheRoot = mkdtempSync(join(tmpdir(), 'indicovm-download-test-'));

beforeAll(async () => {
  server = createServer((request, response) => {
    const path = request.url ?? '/';
    hits[path] = (hits[path] ?? 0) + 1;
    if (path === '/flaky.img' && hits[path] === 1) {
      response.writeHead(503).end('busy');
    } else if (path === '/missing.img') {
      response.writeHead(404).end('no');
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
    const first = await downloader.download({ url: `${base}/good.img`, sha256: BODY_SHA256 }, reporter);
    expect(readFileSync(first)).toEqual(BODY);
    const second = await downloader.download({ url: `${base}/good.img`, sha256: BODY_SHA256 }, reporter);
    expect(second).toBe(first);
    expect(hits['/good.img']).toBe(1);
  });

  test('retries a 503 and succeeds', async () => {
    const path = await new CachingDownloader(join(cacheRoot, 'b')).download(
      { url: `${base}/flaky.img` },
      reporter,
    );
    expect(readFileSync(path)).toEqual(BODY);
    expect(hits['/flaky.img']).toBe(2);
    expect(warnings.some((w) => w.includes('retrying'))).toBe(true);
  });

  test('a wrong hash is a configuration error and nothing stays in the cache', async () => {
    const dir = join(cacheRoot, 'c');
    const attempt = new CachingDownloader(dir).download(
      { url: `${base}/other.img`, sha256: 'f'.repeat(64) },
      reporter,
    );
    await expect(attempt).rejects.toThrow(ConfigurationError);
    await expect(
      new CachingDownloader(dir).download({ url: `${base}/other.img`, sha256: 'f'.repeat(64) }, reporter),
    ).rejects.toThrow(`has SHA-256 ${BODY_SHA256}`);
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });

  test('a 404 is not retried', async () => {
    await expect(
      new CachingDownloader(join(cacheRoot, 'd')).download({ url: `${base}/missing.img` }, reporter),
    ).rejects.toThrow('HTTP 404');
    expect(hits['/missing.img']).toBe(1);
  });
});
