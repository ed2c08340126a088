// A service that drips its answer one byte at a time never trips an idle timeout; it must not hold
// the job either. Each attempt has a total deadline (api-timeout, plus a second per MiB moved) and the
// retries of one request a budget (api-retry-budget); the errors name the service and the time. The
// real services cannot be made to drip, so a loopback TCP server speaks HTTP/1.1 slowly instead.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { HttpClient } from '../../../shared/openstack/http.js';
import { RecordingReporter } from '../../support/recording-reporter.js';
import { startBundledAction } from '../../support/run-action.js';

type Behaviour = 'drip-headers' | 'drip-body' | 'slow-large-body' | 'unavailable';

let server: Server;
let base: string;
const connections: Record<Behaviour, number> = {
  'drip-headers': 0,
  'drip-body': 0,
  'slow-large-body': 0,
  unavailable: 0,
};
const sockets = new Set<Socket>();
const LARGE = 3 * 1024 * 1024;

/** Writes text one byte every 50 ms until the client goes away. */
function drip(socket: Socket, text: string): void {
  let at = 0;
  const timer = setInterval(() => {
    if (socket.destroyed) {
      clearInterval(timer);
      return;
    }
    socket.write(text[at % text.length]!);
    at += 1;
  }, 50);
  socket.on('close', () => clearInterval(timer));
}

beforeAll(async () => {
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.once('data', (request) => {
      const behaviour = /^\w+ \/(\S+)/.exec(request.toString('latin1'))?.[1]?.split('/')[0] as Behaviour;
      connections[behaviour] += 1;
      switch (behaviour) {
        case 'drip-headers':
          drip(socket, 'HTTP/1.1 200 OK\r\nX-Padding: ' + 'x'.repeat(10_000));
          break;
        case 'drip-body':
          socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n');
          drip(socket, '{"images": []');
          break;
        case 'slow-large-body': {
          // 3 MiB at about 2 MiB/s: longer than the 1 s deadline, well within its per-MiB allowance.
          socket.write(
            `HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${LARGE}\r\n\r\n`,
          );
          let sent = 0;
          const timer = setInterval(() => {
            const chunk = Math.min(200 * 1024, LARGE - sent);
            socket.write(Buffer.alloc(chunk, 0x61));
            sent += chunk;
            if (sent >= LARGE) {
              clearInterval(timer);
              socket.end();
            }
          }, 100);
          socket.on('close', () => clearInterval(timer));
          break;
        }
        default:
          socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  sockets.forEach((socket) => socket.destroy());
  await new Promise((resolve) => server.close(resolve));
});

function client(options: { deadlineMs?: number; retryBudgetMs?: number } = {}): HttpClient {
  return new HttpClient({
    reporter: new RecordingReporter(),
    deadlineMs: 1000,
    // Attempts enough that the budget, not their number, ends the retries even on a fast machine.
    retry: { attempts: 1000, baseDelayMs: 100, maxDelayMs: 100 },
    ...options,
  });
}

async function timed<T>(work: Promise<T>): Promise<{ error: Error; ms: number }> {
  const started = Date.now();
  try {
    await work;
  } catch (error) {
    return { error: error as Error, ms: Date.now() - started };
  }
  throw new Error('the request succeeded');
}

describe('a total deadline on every attempt', () => {
  it.each([
    ['headers', 'drip-headers'],
    ['a JSON body', 'drip-body'],
  ] as const)(
    'a service dripping %s fails after the deadline, naming the service, and is not retried',
    async (_what, behaviour) => {
      const before = connections[behaviour];
      const { error, ms } = await timed(
        client().request({
          method: 'GET',
          url: `${base}/${behaviour}/v2/images`,
          response: 'json',
          service: 'image',
        }),
      );
      expect(error.message).toMatch(
        new RegExp(
          `GET /${behaviour}/v2/images.*the image service at 127\\.0\\.0\\.1:\\d+ sent no complete answer within 1\\.\\d s \\(api-timeout: 1\\.0 s plus 1 s per MiB moved\\)`,
        ),
      );
      expect(ms).toBeGreaterThanOrEqual(1000);
      expect(ms).toBeLessThan(5000);
      expect(connections[behaviour] - before).toBe(1);
    },
  );

  it('a streamed download dripping after its headers is cut off while the caller reads it', async () => {
    const response = await client().request({
      method: 'GET',
      url: `${base}/drip-body/v2/images/x/file`,
      response: 'stream',
      service: 'image',
    });
    const read = (async () => {
      for await (const _chunk of response.body) {
        // Reading, as the image download does.
      }
    })();
    const { error } = await timed(read);
    expect(error.message).toMatch(/the image service at .* sent no complete answer within 1\.\d s/);
  });

  it('a large answer at a steady rate gets a second per MiB beyond the deadline', async () => {
    const started = Date.now();
    const response = await client().request({
      method: 'GET',
      url: `${base}/slow-large-body/file`,
      response: 'stream',
      service: 'image',
    });
    let size = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      size += chunk.length;
    }
    expect(size).toBe(LARGE);
    expect(Date.now() - started).toBeGreaterThan(1000);
  });
});

describe('a budget for the retries of one request', () => {
  it('a service that keeps answering 503 is given up on when the budget is spent, saying so', async () => {
    const before = connections.unavailable;
    const { error, ms } = await timed(
      client({ retryBudgetMs: 800 }).request({
        method: 'GET',
        url: `${base}/unavailable/v2.1/servers`,
        response: 'json',
        service: 'compute',
      }),
    );
    expect(error.message).toMatch(
      /GET \/unavailable\/v2\.1\/servers.*HTTP 503.*gave up on the compute service at 127\.0\.0\.1:\d+ after \d+ attempt\(s\) in \d+ ms \(api-retry-budget: 800 ms\)/,
    );
    expect(ms).toBeLessThan(1500);
    expect(connections.unavailable - before).toBeGreaterThan(1);
    expect(connections.unavailable - before).toBeLessThan(60);
  });

  it('a service that keeps answering 503 until the attempts run out is named with the attempts and time', async () => {
    const { error } = await timed(
      new HttpClient({
        reporter: new RecordingReporter(),
        retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 },
      }).request({
        method: 'GET',
        url: `${base}/unavailable/v2.1/servers`,
        response: 'json',
        service: 'compute',
      }),
    );
    expect(error.message).toMatch(
      /^GET \/unavailable\/v2\.1\/servers failed: HTTP 503: gave up on the compute service at 127\.0\.0\.1:\d+ after 3 attempt\(s\) in \d+ ms \(3 attempts allowed\)$/,
    );
  });
});

describe('api-timeout in the bundled action', () => {
  /** action-deploy's inputs for a login at the Keystone that drips its answer. */
  const drippingKeystoneInputs = (): Record<string, string> => ({
    'auth-url': `${base}/drip-body/v3`,
    username: 'demo',
    password: 'not-a-real-password',
    'project-name': 'demo',
    flavor: 'm1.tiny',
    'source-image': 'cirros',
  });

  it('a Keystone that drips its answer fails the deploy step after api-timeout, naming the identity service', async () => {
    const started = Date.now();
    const run = await startBundledAction('action-deploy/dist/index.js', {
      ...drippingKeystoneInputs(),
      'server-name': 'drip',
      'api-timeout': '2s',
    }).done;
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(
      /^::error::action-deploy failed: POST \/drip-body\/v3\/auth\/tokens.*the identity service at 127\.0\.0\.1:\d+ sent no complete answer within 2\.\d s \(api-timeout: 2\.0 s/m,
    );
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('a bad api-timeout is refused before anything is sent', async () => {
    const before = connections['drip-body'];
    const run = await startBundledAction('action-deploy/dist/index.js', {
      ...drippingKeystoneInputs(),
      'api-timeout': 'soon',
    }).done;
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/api-timeout.*must be a duration like 300, 90s, 10m or 1h/);
    expect(connections['drip-body']).toBe(before);
  });
});
