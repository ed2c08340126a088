// A streamed request body is written chunk by chunk, each after the socket has taken the one before,
// so an upload can read the file through one reused buffer. Against a loopback HTTP server that hashes
// what arrives: the bytes are intact, a failing source is a body error and not retried, and a server
// that answers early stops the writing and closes the source.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { hashedFileChunks, RunningDigest } from '../../../shared/openstack/digests.js';
import { HttpClient } from '../../../shared/openstack/http.js';
import { RecordingReporter } from '../../support/recording-reporter.js';
import { useTempDir } from '../../support/temp-dir.js';

const dir = useTempDir('indicovm-request-body-');
let server: Server;
let base: string;
const received: { path: string; sha512: string; bytes: number }[] = [];

beforeAll(async () => {
  server = createServer((request: IncomingMessage, response) => {
    if (request.url === '/early') {
      // Answers before the body is complete, as Glance does with 413, and drops the connection.
      response.writeHead(413, { Connection: 'close' }).end('{"error": "too large"}');
      request.socket.destroySoon();
      return;
    }
    const hash = createHash('sha512');
    let bytes = 0;
    request.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    request.on('end', () => {
      received.push({ path: request.url ?? '', sha512: hash.digest('hex'), bytes });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const client = () =>
  new HttpClient({
    reporter: new RecordingReporter(),
    retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 10 },
  });

/** A file of distinct bytes, larger than several chunks and not a multiple of the chunk size. */
function sampleFile(name: string, size: number): { path: string; sha512: string } {
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i += 1) data[i] = Math.imul(i, 2654435761) >>> 24;
  const path = join(dir(), name);
  writeFileSync(path, data);
  return { path, sha512: createHash('sha512').update(data).digest('hex') };
}

describe('a streamed request body', () => {
  it('arrives intact from one reused buffer, and the running digest matches the file', async () => {
    const file = sampleFile('image.raw', 5 * 1024 * 1024 + 12_345);
    const digest = new RunningDigest();
    await client().request({
      method: 'PUT',
      url: `${base}/intact`,
      body: () => hashedFileChunks(file.path, digest),
      response: 'none',
    });
    expect(received.find((r) => r.path === '/intact')).toEqual({
      path: '/intact',
      sha512: file.sha512,
      bytes: 5 * 1024 * 1024 + 12_345,
    });
    expect(digest.takeDigests()).toEqual({ size: 5 * 1024 * 1024 + 12_345, sha512: file.sha512 });
  });

  it('a source that fails is a body error, sent once and not retried', async () => {
    let attempts = 0;
    async function* failing(): AsyncGenerator<Buffer> {
      attempts += 1;
      yield Buffer.from('first chunk');
      throw new Error('EIO: the disk went away');
    }
    await expect(
      client().request({ method: 'PUT', url: `${base}/failing`, body: failing, response: 'none' }),
    ).rejects.toThrow('reading the request body failed: EIO: the disk went away');
    expect(attempts).toBe(1);
    expect(received.some((r) => r.path === '/failing')).toBe(false);
  });

  it('an early answer stops the writing and closes the source', async () => {
    let chunksGiven = 0;
    let closed = false;
    async function* endless(): AsyncGenerator<Buffer> {
      try {
        const chunk = Buffer.alloc(1024 * 1024, 7);
        for (;;) {
          chunksGiven += 1;
          yield chunk;
        }
      } finally {
        closed = true;
      }
    }
    await expect(
      client().request({
        method: 'PUT',
        url: `${base}/early`,
        body: endless,
        contentLength: 1024 ** 3,
        idempotent: false,
        response: 'none',
      }),
    ).rejects.toThrow(/413/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(closed).toBe(true);
    // Far fewer than the 1024 chunks announced: the writing stopped with the connection.
    expect(chunksGiven).toBeLessThan(200);
  });
});
