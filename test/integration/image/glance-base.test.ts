// base-image: glance:<name-or-id> against the real loopback cloud: the resolver logs in with the
// build's OpenStack options, downloads the image and hands back a file with exactly Glance's bytes.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { resolveBaseImage } from '../../../shared/image/base-image.js';
import { glanceFetcherFromOptions } from '../../../shared/image/glance-base.js';
import { ConfigurationError } from '../../../shared/errors.js';
import { OpenStackSession } from '../../../shared/openstack/auth.js';
import { Glance } from '../../../shared/openstack/glance.js';
import { ensureOpenStack, passwordAuth, type CloudFacts } from '../../support/openstack.js';
import { RecordingReporter } from '../../support/recording-reporter.js';
import { useTempDir } from '../../support/temp-dir.js';

const run = promisify(execFile);
// The first start installs the Debian packages and initialises the services (about 2 minutes).
const START_TIMEOUT_MS = 15 * 60_000;

jest.setTimeout(60_000);

let facts: CloudFacts;
let glance: Glance;
let imageFile: string;
let uploadedSha256: string;
let imageId: string;
const imageName = `indicovm-glance-base-${randomUUID().slice(0, 8)}`;
const reporter = new RecordingReporter();
const dir = useTempDir('glance-base-');

/** The build command's OpenStack options as the resolver would hand them over. */
function buildAuthValues() {
  // passwordAuth gives Keystone's settings; the options name the user os-username / os-password.
  const { username, password, ...auth } = passwordAuth(facts, facts.users.demo);
  return {
    ...auth,
    osUsername: username,
    osPassword: password,
    interface: 'public' as const,
    insecure: false,
  };
}

const fetcher = () => glanceFetcherFromOptions(buildAuthValues(), { cloudsYaml: { env: {}, cwd: dir() } });

beforeAll(async () => {
  facts = await ensureOpenStack();
  imageFile = join(dir(), 'tiny.qcow2');
  await run('qemu-img', ['create', '-q', '-f', 'qcow2', imageFile, '64M']);
  const bytes = await readFile(imageFile);
  uploadedSha256 = createHash('sha256').update(bytes).digest('hex');
  const session = await OpenStackSession.open(passwordAuth(facts, facts.users.demo), {
    reporter,
    cloudsYaml: { env: {}, cwd: dir() },
  });
  glance = new Glance(session);
  const { image } = await glance.uploadImage({ name: imageName, diskFormat: 'qcow2' }, imageFile, {
    pollMs: 300,
    timeoutMs: 30_000,
  });
  imageId = image.id;
}, START_TIMEOUT_MS);

afterAll(async () => {
  if (imageId) {
    await glance.deleteIfExists(imageId);
  }
});

describe('base-image: glance:<name-or-id>', () => {
  it.each([
    ['name', () => imageName],
    ['ID', () => imageId],
  ])('downloads the image by %s with exactly the uploaded bytes', async (_by, nameOrId) => {
    const workDir = await mkdtemp(join(dir(), 'work-'));
    const source = `glance:${nameOrId()}`;
    const base = await resolveBaseImage(
      source,
      undefined,
      { fetchGlanceImage: fetcher(), workDir },
      reporter,
    );
    expect(base.source).toBe(source);
    expect(base.path.startsWith(workDir)).toBe(true);
    expect(base.format).toBe('qcow2');
    expect(base.virtualSize).toBe(64 * 1024 * 1024);
    expect(base.sha256).toBe(uploadedSha256);
    const local = createHash('sha256')
      .update(await readFile(base.path))
      .digest('hex');
    expect(local).toBe(uploadedSha256);
  });

  it('fails naming an image that Glance does not have', async () => {
    const missing = `missing-${randomUUID().slice(0, 8)}`;
    const workDir = await mkdtemp(join(dir(), 'work-'));
    const attempt = resolveBaseImage(
      `glance:${missing}`,
      undefined,
      { fetchGlanceImage: fetcher(), workDir },
      reporter,
    );
    await expect(attempt).rejects.toBeInstanceOf(ConfigurationError);
    await expect(attempt).rejects.toThrow(missing);
  });

  it('asks for OpenStack credentials when none are set, without touching the cloud', async () => {
    const workDir = await mkdtemp(join(dir(), 'work-'));
    const noCredentials = glanceFetcherFromOptions(
      { interface: 'public', insecure: false },
      { sources: { interface: 'default', insecure: 'default' }, cloudsYaml: { env: {}, cwd: dir() } },
    );
    const attempt = resolveBaseImage(
      `glance:${imageName}`,
      undefined,
      { fetchGlanceImage: noCredentials, workDir },
      reporter,
    );
    await expect(attempt).rejects.toBeInstanceOf(ConfigurationError);
    await expect(attempt).rejects.toThrow(/glance:indicovm-glance-base-\w+ needs OpenStack credentials/);
  });
});
