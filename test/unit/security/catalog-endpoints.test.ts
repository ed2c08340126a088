// The token follows the service catalog. Under an https auth-url, a catalog entry that says http
// would carry X-Auth-Token in clear: it is refused, naming the endpoint, unless allow-insecure-endpoints
// opts in (with a warning). The fake cloud speaks https with a real certificate; the insecure
// endpoint is a plain http listener on loopback that records whether a token reached it.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthSettings } from '../../../shared/openstack/auth-settings.js';
import { OpenStackSession } from '../../../shared/openstack/auth.js';
import { Glance } from '../../../shared/openstack/glance.js';
import { ConfigurationError } from '../../../shared/errors.js';
import { FakeOpenStack } from '../../support/fake-openstack.js';
import { fakeLoginInputs, fakeLoginSettings } from '../../support/fake-openstack-login.js';
import { RecordingReporter } from '../../support/recording-reporter.js';
import { startBundledAction } from '../../support/run-action.js';
import { useTempDir } from '../../support/temp-dir.js';
import { selfSignedPair, type SelfSignedPair } from '../../support/tls.js';

const dir = useTempDir('indicovm-catalog-');
let tls: SelfSignedPair;
let fake: FakeOpenStack;
let plain: Server;
let plainBase: string;
const tokensInClear: string[] = [];

beforeAll(async () => {
  tls = selfSignedPair(dir(), '127.0.0.1', { subjectAltName: 'IP:127.0.0.1' });
  fake = await FakeOpenStack.start({ tls });
  plain = createServer((request, response) => {
    const token = request.headers['x-auth-token'];
    if (typeof token === 'string') {
      tokensInClear.push(token);
    }
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify({ images: [], servers: [], flavors: [] }));
  });
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  plainBase = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await fake?.close();
  await new Promise((resolve) => plain?.close(resolve));
});

beforeEach(() => {
  tokensInClear.length = 0;
  delete fake.catalogUrls.image;
  delete fake.catalogUrls.compute;
});

function settings(extra: Partial<AuthSettings> = {}): AuthSettings {
  return fakeLoginSettings(fake, { cacert: tls.certFile, ...extra });
}

describe('catalog endpoints weaker than auth-url', () => {
  it('an http image endpoint under an https auth-url is refused, naming it, and never gets the token', async () => {
    fake.catalogUrls.image = `${plainBase}/image`;
    const session = await OpenStackSession.open(settings(), { reporter: new RecordingReporter() });
    const listing = new Glance(session).list();
    await expect(listing).rejects.toThrow(ConfigurationError);
    await expect(listing).rejects.toThrow(
      new RegExp(
        `the service catalog's public image endpoint ${plainBase}/image does not use https while auth-url ` +
          `${fake.authUrl} does: the token would travel in clear\\. .*allow-insecure-endpoints: true`,
      ),
    );
    expect(tokensInClear).toEqual([]);
  });

  it('allow-insecure-endpoints lets it through with one warning per endpoint', async () => {
    fake.catalogUrls.image = `${plainBase}/image`;
    const reporter = new RecordingReporter();
    const session = await OpenStackSession.open(settings({ allowInsecureEndpoints: true }), { reporter });
    const glance = new Glance(session);
    await glance.list();
    await glance.list();
    expect(tokensInClear).toHaveLength(2);
    expect(reporter.warnings()).toEqual([
      expect.stringMatching(
        /public image endpoint http:\/\/127\.0\.0\.1:\d+\/image does not use https .*allow-insecure-endpoints is set, so the token is sent to it in clear/,
      ),
    ]);
  });

  it('https endpoints under an https auth-url pass without a warning', async () => {
    const reporter = new RecordingReporter();
    const session = await OpenStackSession.open(settings(), { reporter });
    await expect(new Glance(session).list()).resolves.toEqual(expect.any(Array));
    expect(reporter.warnings()).toEqual([]);
  });

  it('the bundled deploy step refuses an http compute endpoint before it creates anything', async () => {
    fake.catalogUrls.compute = `${plainBase}/compute/v2.1`;
    const before = fake.requests.length;
    const run = await startBundledAction('action-deploy/dist/index.js', {
      ...fakeLoginInputs(fake),
      cacert: tls.certFile,
      flavor: 'm1.tiny',
      'source-image': 'cirros',
      'server-name': 'catalog-check',
    }).done;
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(
      /^::error::action-deploy invalid settings: the service catalog's public compute endpoint http:\/\/127\.0\.0\.1:\d+\/compute\/v2\.1 does not use https while auth-url https:/m,
    );
    expect(tokensInClear).toEqual([]);
    const made = fake.requests.slice(before).filter((request) => request.method !== 'GET');
    expect(made.map((request) => `${request.method} ${request.path}`)).toEqual([
      'POST /identity/v3/auth/tokens',
    ]);
  });
});
