import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uploadRunArtifact } from '../../../action-kit/artifact.js';
import { STATE } from '../../../action-build-image/src/state.js';
import { startBundledAction } from '../../support/run-action.js';

// The artifact client is split out of the bundles and loaded only when a step handles artifacts (it is
// a third of each bundle and the main cost of a cold start). This runs the bundled post step of
// action-build-image against a loopback service that speaks the artifact service's Twirp API and the
// blob upload it hands out, so a chunk that fails to load, or an upload that no longer reaches the
// service, fails here.
interface Seen {
  method: string;
  url: string;
  body: string;
}

const seen: Seen[] = [];
let server: Server;
let base: string;

function body(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

beforeAll(async () => {
  server = createServer((request, response) => {
    void body(request).then((text) => {
      seen.push({ method: request.method ?? '', url: request.url ?? '', body: text });
      const url = request.url ?? '';
      if (url.endsWith('.ArtifactService/CreateArtifact')) {
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ ok: true, signed_upload_url: `${base}/blob/serial.zip?sig=x` }));
      } else if (url.endsWith('.ArtifactService/FinalizeArtifact')) {
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ ok: true, artifact_id: '4242' }));
      } else if (url.startsWith('/blob/') && request.method === 'PUT') {
        response.statusCode = 201;
        response.setHeader('etag', '"0x1"');
        response.setHeader('x-ms-request-id', 'r1');
        response.setHeader('x-ms-version', '2024-11-04');
        response.setHeader('x-ms-request-server-encrypted', 'true');
        response.end();
      } else {
        response.statusCode = 404;
        response.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

function unsignedToken(claims: object): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.x`;
}

describe('the bundled post step of action-build-image', () => {
  test('loads the artifact client on demand and uploads the serial console log of a failed build', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'indicovm-serial-'));
    const serialLog = join(dir, 'serial.log');
    writeFileSync(serialLog, 'Booting Debian GNU/Linux\nlogin:\n');
    const run = startBundledAction(
      'action-build-image/dist/post/index.js',
      {},
      {
        env: {
          [`STATE_${STATE.serialLog}`]: serialLog,
          [`STATE_${STATE.succeeded}`]: 'false',
          [`STATE_${STATE.serialLogArtifact}`]: 'build-serial-log',
          ACTIONS_RUNTIME_TOKEN: unsignedToken({ scp: 'Actions.Results:run-backend:job-backend' }),
          ACTIONS_RESULTS_URL: `${base}/`,
        },
      },
    );
    const result = await run.done;
    expect(result.stdout).toContain(
      'The whole serial console log is in artifact build-serial-log (id 4242).',
    );
    expect(result.status).toBe(0);
    const create = seen.find((request) => request.url.endsWith('/CreateArtifact'));
    expect(JSON.parse(create!.body)).toMatchObject({
      name: 'build-serial-log',
      workflow_run_backend_id: 'run-backend',
      workflow_job_run_backend_id: 'job-backend',
    });
    expect(seen.some((request) => request.method === 'PUT' && request.url.startsWith('/blob/'))).toBe(true);
    expect(seen.some((request) => request.url.endsWith('/FinalizeArtifact'))).toBe(true);
  }, 60_000);
});

describe('uploadRunArtifact', () => {
  const saved = { ...process.env };
  afterAll(() => {
    process.env = saved;
  });

  test('asks the artifact service to keep the artifact for retention-days', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'indicovm-retention-'));
    writeFileSync(join(dir, 'backup.tar.gz'), 'tarball');
    process.env.ACTIONS_RUNTIME_TOKEN = unsignedToken({ scp: 'Actions.Results:run-backend:job-backend' });
    process.env.ACTIONS_RESULTS_URL = `${base}/`;
    seen.length = 0;
    const before = Date.now();
    const id = await uploadRunArtifact('nightly-db', [join(dir, 'backup.tar.gz')], dir, {
      what: 'the backup tarball',
      compressionLevel: 0,
      retentionDays: 3,
    });
    expect(id).toBe(4242);
    const create = JSON.parse(seen.find((request) => request.url.endsWith('/CreateArtifact'))!.body) as {
      name: string;
      expires_at: string;
    };
    expect(create.name).toBe('nightly-db');
    const days = (Date.parse(create.expires_at) - before) / 86_400_000;
    expect(days).toBeGreaterThan(2.99);
    expect(days).toBeLessThan(3.01);
  }, 60_000);
});
