// The client's behaviour on faults the real loopback cloud cannot produce on demand, against the
// protocol-faithful fake in test/support/fake-openstack.ts. Neutron is tested against the real one
// (test/integration/openstack/real-cloud.test.ts).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { rm, truncate, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ConfigurationError } from '../../../shared/errors.js';
import { OpenStackSession } from '../../../shared/openstack/auth.js';
import { Glance } from '../../../shared/openstack/glance.js';
import { HttpClient, OpenStackHttpError } from '../../../shared/openstack/http.js';
import { Secret } from '../../../shared/secret.js';
import { FAKE_USER, FakeOpenStack } from '../../support/fake-openstack.js';
import { tallyFault } from '../../security/tally.js';
import { RecordingReporter } from '../../support/recording-reporter.js';
import { useTempDir } from '../../support/temp-dir.js';

let fake: FakeOpenStack;
const dir = useTempDir('fake-openstack-');
let reporter: RecordingReporter;
const FAST_RETRY = { attempts: 5, baseDelayMs: 20, maxDelayMs: 100 };

async function open(
  overrides: { password?: string; renewMarginMs?: number } = {},
): Promise<OpenStackSession> {
  return OpenStackSession.open(
    {
      authUrl: fake.authUrl,
      username: FAKE_USER.name,
      password: new Secret(overrides.password ?? FAKE_USER.password),
      projectName: FAKE_USER.project,
      userDomainName: FAKE_USER.domain,
      projectDomainName: FAKE_USER.domain,
    },
    {
      reporter,
      retry: FAST_RETRY,
      renewMarginMs: overrides.renewMarginMs,
      cloudsYaml: { env: {}, cwd: dir() },
    },
  );
}

beforeAll(async () => {
  fake = await FakeOpenStack.start();
});

afterAll(async () => {
  await fake.close();
});

beforeEach(() => {
  reporter = new RecordingReporter();
});

/** Images a retried request made twice: every image of that name beyond the first. */
function duplicateImages(name: string): string[] {
  return [...fake.images.values()]
    .filter((image) => image.name === name)
    .slice(1)
    .map((image) => `second image '${name}' ${image.id}`);
}

/** Adds the fault to the run's tally, with what it left behind, and checks that nothing was. */
function faultLeftNothing(fault: string, orphans: string[]): void {
  tallyFault('faults (OpenStack protocol fake)', fault, orphans);
  expect(orphans).toEqual([]);
}

describe('retries', () => {
  it('waits out a 503 with Retry-After and then succeeds, logging the retry', async () => {
    const glance = new Glance(await open());
    const { image } = await glance.create({ name: 'retry-after', diskFormat: 'raw' });
    fake.failNext(
      'GET',
      new RegExp(`/image/v2/images/${image.id}$`),
      503,
      { 'Retry-After': '1' },
      {
        message: 'The server is currently unavailable.<br /><br />',
        code: '503 Service Unavailable',
        title: 'Service Unavailable',
      },
    );
    const started = Date.now();
    expect((await glance.get(image.id)).id).toBe(image.id);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(reporter.lines).toContain(
      `info: Retrying GET /image/v2/images/${image.id}: attempt 2 of 5 after 503`,
    );
    faultLeftNothing('a 503 with Retry-After, then success', duplicateImages('retry-after'));
  });

  it('does not repeat a create after a 503, and says what failed', async () => {
    const glance = new Glance(await open());
    const before = fake.requests.filter((r) => r.method === 'POST' && r.path === '/image/v2/images').length;
    fake.failNext(
      'POST',
      /^\/image\/v2\/images$/,
      503,
      {},
      { message: 'Service Unavailable<br />', code: '503', title: 'x' },
    );
    const failure = glance.create({ name: 'once', diskFormat: 'raw' });
    await expect(failure).rejects.toThrow('POST /image/v2/images failed: HTTP 503: Service Unavailable');
    expect(fake.requests.filter((r) => r.method === 'POST' && r.path === '/image/v2/images').length).toBe(
      before + 1,
    );
  });

  it('retries a POST whose connection was refused, because nothing was sent', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const slept: number[] = [];
    const client = new HttpClient({
      reporter,
      retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 10 },
      sleep: async (ms) => void slept.push(ms),
    });
    const failure = client.request({
      method: 'POST',
      url: `http://127.0.0.1:${port}/v2.1/servers`,
      json: {},
      response: 'json',
    });
    await expect(failure).rejects.toThrow(/^POST \/v2\.1\/servers failed: ECONNREFUSED/);
    expect(slept).toHaveLength(2);
    expect(reporter.lines).toEqual([
      'info: Retrying POST /v2.1/servers: attempt 2 of 3 after ECONNREFUSED',
      'info: Retrying POST /v2.1/servers: attempt 3 of 3 after ECONNREFUSED',
    ]);
  });

  it('sends the whole file again after the connection is cut mid-upload, hashing it afresh', async () => {
    const file = join(dir(), 'cut.raw');
    const data = randomBytes(3 * 1024 * 1024 + 5);
    await writeFile(file, data);
    const glance = new Glance(await open());
    fake.cutNextUploadAfter = 512 * 1024;
    const { image, digests, method } = await glance.uploadImage({ name: 'cut', diskFormat: 'raw' }, file, {
      chunked: true,
      pollMs: 50,
    });
    expect(method).toBe('direct');
    expect(image.status).toBe('active');
    expect(digests.size).toBe(data.length);
    const puts = fake.requests.filter(
      (r) => r.method === 'PUT' && r.path === `/image/v2/images/${image.id}/file`,
    );
    expect(puts).toHaveLength(2);
    expect(puts[0]?.bodyBytes).toBeLessThan(data.length);
    expect(puts[1]?.bodyBytes).toBe(data.length);
    expect(puts[1]?.headers['transfer-encoding']).toBe('chunked');
    expect(
      reporter.lines.some((line) =>
        /^info: Retrying PUT \/image\/v2\/images\/.*\/file: attempt 2 of 5 after (ECONNRESET|EPIPE)$/.test(
          line,
        ),
      ),
    ).toBe(true);
    faultLeftNothing('the connection cut mid-upload', duplicateImages('cut'));
  });
});

describe('streaming', () => {
  it('uploads a large file with flat memory: nothing is buffered whole', async () => {
    const size = 192 * 1024 * 1024;
    const file = join(dir(), 'large.raw');
    await writeFile(file, '');
    await truncate(file, size); // sparse: reads as zeros without using the disk
    const glance = new Glance(await open());
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    try {
      const { image, digests } = await glance.uploadImage({ name: 'large', diskFormat: 'raw' }, file, {
        pollMs: 50,
      });
      expect(image.size).toBe(size);
      expect(digests.size).toBe(size);
    } finally {
      clearInterval(sampler);
      await rm(file);
    }
    // Client and fake together hold a few stream buffers; buffering the file would add 192 MiB.
    expect(peak - baseline).toBeLessThan(64 * 1024 * 1024);
  }, 60_000);
});

describe('tokens', () => {
  it('logs in again once when a token is refused mid-run', async () => {
    const glance = new Glance(await open());
    const { image } = await glance.create({ name: 'token', diskFormat: 'raw' });
    const issued = fake.tokensIssued;
    fake.expireTokens();
    expect((await glance.get(image.id)).id).toBe(image.id);
    expect(fake.tokensIssued).toBe(issued + 1);
    expect(reporter.lines).toContain(
      `info: GET /image/v2/images/${image.id}: the token was refused (401); logging in again`,
    );
    expect(reporter.masked.length).toBe(2);
    faultLeftNothing('a token that expires mid-run', duplicateImages('token'));
  });

  it('renews a token that is about to expire before using it', async () => {
    fake.tokenLifetimeMs = 60_000;
    try {
      const glance = new Glance(await open({ renewMarginMs: 120_000 }));
      const issued = fake.tokensIssued;
      await glance.list();
      await glance.list();
      expect(fake.tokensIssued).toBe(issued + 2);
      expect(reporter.lines.filter((line) => line.includes('401'))).toEqual([]);
    } finally {
      fake.tokenLifetimeMs = 3600_000;
    }
  });

  it('reports a refused login as a configuration error without the password', async () => {
    const attempt = open({ password: 'wrong-password-123' });
    await expect(attempt).rejects.toThrow(ConfigurationError);
    await expect(open({ password: 'wrong-password-123' })).rejects.toThrow(
      /refused the user name and password \(HTTP 401\): The request you have made requires authentication\./,
    );
    await attempt.catch((error: unknown) => expect(String(error)).not.toContain('wrong-password-123'));
  });

  it('sends Accept: application/json and the token on every service request, and keeps tokens out of errors', async () => {
    const session = await open();
    const glance = new Glance(session);
    const error = await glance.get('00000000-0000-0000-0000-000000000000').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenStackHttpError);
    expect((error as OpenStackHttpError).message).toBe(
      'GET /image/v2/images/00000000-0000-0000-0000-000000000000 failed: HTTP 404: The resource could not be found.',
    );
    expect(String(error)).not.toContain((await session.token()).reveal());
    const last = fake.requests.at(-1);
    expect(last?.headers.accept).toBe('application/json');
    expect(last?.headers['x-auth-token']).toBe((await session.token()).reveal());
  });
});

describe('interoperable import', () => {
  it('stages and imports when the cloud refuses direct uploads (auto), and fails with direct', async () => {
    const file = join(dir(), 'staged.raw');
    await writeFile(file, randomBytes(200_000));
    const glance = new Glance(await open());
    fake.refuseDirectUpload = true;
    try {
      const auto = await glance.uploadImage({ name: 'staged', diskFormat: 'raw' }, file, { pollMs: 50 });
      expect(auto.method).toBe('glance-direct');
      expect(auto.image.status).toBe('active');
      expect(fake.requests.some((r) => r.method === 'PUT' && r.path.endsWith(`${auto.image.id}/stage`))).toBe(
        true,
      );
      expect(reporter.lines).toContain(
        'info: Glance refused the direct upload (HTTP 403); staging and importing instead',
      );

      await expect(
        glance.uploadImage({ name: 'direct-only', diskFormat: 'raw' }, file, {
          importMethod: 'direct',
          pollMs: 50,
        }),
      ).rejects.toThrow(
        /PUT \/image\/v2\/images\/.*\/file failed: HTTP 403: You are not authorized to complete upload_image action\.$/,
      );
    } finally {
      fake.refuseDirectUpload = false;
    }
  });
});
