// HTTPS_PROXY/HTTP_PROXY/NO_PROXY through a real proxy (Debian's tinyproxy on 127.0.0.1): the
// OpenStack client against the real loopback Keystone and Glance, an https endpoint tunnelled with
// CONNECT and its CA checked end to end, and the base-image download.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fetchToFile } from '../../../shared/image/download.js';
import { OpenStackSession } from '../../../shared/openstack/auth.js';
import { Glance } from '../../../shared/openstack/glance.js';
import { HttpClient } from '../../../shared/openstack/http.js';
import { ensureOpenStack, passwordAuth, type CloudFacts } from '../../support/openstack.js';
import { startProxy, type Proxy } from '../../support/proxy.js';
import { RecordingReporter } from '../../support/recording-reporter.js';
import { selfSignedPair } from '../../support/tls.js';
import { useTempDir } from '../../support/temp-dir.js';

const PROXY_VARIABLES = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'no_proxy', 'NO_PROXY'];

let facts: CloudFacts;
let proxy: Proxy;
const dir = useTempDir('indicovm-proxy-test-');
const servers: Server[] = [];

beforeAll(async () => {
  [facts, proxy] = await Promise.all([ensureOpenStack(), startProxy()]);
}, 600_000);

afterAll(async () => {
  await proxy?.stop();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

/** Runs with exactly these proxy variables set (the others unset), then puts the environment back. */
async function withProxyEnv<T>(env: Record<string, string>, run: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(PROXY_VARIABLES.map((name) => [name, process.env[name]]));
  PROXY_VARIABLES.forEach((name) => delete process.env[name]);
  Object.assign(process.env, env);
  try {
    return await run();
  } finally {
    PROXY_VARIABLES.forEach((name) => delete process.env[name]);
    for (const [name, value] of Object.entries(saved)) {
      if (value !== undefined) {
        process.env[name] = value;
      }
    }
  }
}

/** What the proxy logged while `run` ran. */
async function proxiedDuring(run: () => Promise<unknown>): Promise<string[]> {
  const before = proxy.requests().length;
  await run();
  return proxy.requests().slice(before);
}

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('the OpenStack client behind a proxy', () => {
  const login = (reporter: RecordingReporter) =>
    OpenStackSession.open(passwordAuth(facts, facts.users.demo), {
      reporter,
      cloudsYaml: { env: {}, cwd: dir() },
    });

  test('HTTP_PROXY carries the Keystone login and the Glance calls, and the log names the proxy', async () => {
    const reporter = new RecordingReporter();
    let images: unknown[] = [];
    const seen = await proxiedDuring(() =>
      withProxyEnv({ HTTP_PROXY: proxy.url }, async () => {
        images = await new Glance(await login(reporter)).list();
      }),
    );
    expect(Array.isArray(images)).toBe(true);
    expect(seen).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^POST http:\/\/127\.0\.0\.1:\d+\/.*auth\/tokens$/),
        expect.stringMatching(/^GET http:\/\/127\.0\.0\.1:\d+\/v2\/images/),
      ]),
    );
    expect(reporter.all()).toContain(`go through the proxy ${proxy.url}`);
  });

  test('NO_PROXY sends the same calls direct', async () => {
    const seen = await proxiedDuring(() =>
      withProxyEnv({ http_proxy: proxy.url, no_proxy: 'example.org, 127.0.0.0/8' }, async () => {
        await new Glance(await login(new RecordingReporter())).list();
      }),
    );
    expect(seen).toEqual([]);
  });

  test('an https endpoint is tunnelled with CONNECT and its certificate is still checked against cacert', async () => {
    const pair = selfSignedPair(dir(), '127.0.0.1', { name: 'endpoint', subjectAltName: 'IP:127.0.0.1' });
    const port = await listen(
      createHttpsServer({ cert: pair.cert, key: pair.key }, (_request, response) => {
        response.setHeader('content-type', 'application/json');
        response.end('{"versions":[]}');
      }) as unknown as Server,
    );
    const url = `https://127.0.0.1:${port}/`;
    let body: unknown;
    const seen = await proxiedDuring(() =>
      withProxyEnv({ HTTPS_PROXY: proxy.url }, async () => {
        const client = new HttpClient({ reporter: new RecordingReporter(), cacert: pair.certFile });
        body = (await client.request({ method: 'GET', url, response: 'json' })).body;
      }),
    );
    expect(body).toEqual({ versions: [] });
    expect(seen).toEqual([`CONNECT 127.0.0.1:${port}`]);

    // Without the CA the tunnelled TLS handshake fails: the proxy is no way around verification.
    await expect(
      withProxyEnv({ HTTPS_PROXY: proxy.url }, () =>
        new HttpClient({ reporter: new RecordingReporter(), retry: { attempts: 1 } }).request({
          method: 'GET',
          url,
          response: 'json',
        }),
      ),
    ).rejects.toThrow(/self-signed|certificate/i);
  });
});

describe('the base-image download behind a proxy', () => {
  test('goes through HTTP_PROXY, revalidation included, and direct for NO_PROXY hosts', async () => {
    const port = await listen(
      createHttpServer((request, response) => {
        if (request.headers['if-none-match'] === '"v1"') {
          response.writeHead(304).end();
          return;
        }
        response.writeHead(200, { etag: '"v1"' }).end('image bytes');
      }),
    );
    const url = `http://127.0.0.1:${port}/base.qcow2`;
    const target = join(dir(), 'base.qcow2');
    const seen = await proxiedDuring(() =>
      withProxyEnv({ HTTP_PROXY: proxy.url }, async () => {
        expect(await fetchToFile(url, target)).toMatchObject({ changed: true });
        expect(await fetchToFile(url, target, { etag: '"v1"' })).toEqual({ changed: false });
      }),
    );
    expect(readFileSync(target, 'utf8')).toBe('image bytes');
    // undici tunnels http targets with CONNECT as well.
    expect(seen).toEqual([`CONNECT 127.0.0.1:${port}`, `CONNECT 127.0.0.1:${port}`]);
    const direct = await proxiedDuring(() =>
      withProxyEnv({ HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' }, () => fetchToFile(url, target)),
    );
    expect(direct).toEqual([]);
  });
});
