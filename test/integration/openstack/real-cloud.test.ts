// The OpenStack client against the real loopback cloud (Keystone, Glance, Nova with the fake driver),
// started once and shared between suites by test/support/openstack.ts.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ConfigurationError } from '../../../shared/errors.js';
import { parseConsoleHostKeys } from '../../../shared/openstack/console-host-keys.js';
import { hashFile } from '../../../shared/openstack/digests.js';
import { OpenStackSession } from '../../../shared/openstack/auth.js';
import { Glance, imagesBeyondKeep } from '../../../shared/openstack/glance.js';
import { OpenStackHttpError } from '../../../shared/openstack/http.js';
import { Neutron } from '../../../shared/openstack/neutron.js';
import { Nova, pickSshAddress } from '../../../shared/openstack/nova.js';
import { Secret } from '../../../shared/secret.js';
import { ensureOpenStack, passwordAuth, type CloudFacts, type CloudUser } from '../../support/openstack.js';
import { RecordingReporter } from '../../support/recording-reporter.js';
import { useTempDir } from '../../support/temp-dir.js';

const run = promisify(execFile);
const PUBLIC_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPBbyL7F9mfvxqfmlAOcqj3bsOHpAQxvDfz5xjykiKGt test@indicovm';
const FAST = { pollMs: 300, timeoutMs: 60_000 };
// The first start installs the Debian packages and initialises the services (about 2 minutes).
const START_TIMEOUT_MS = 15 * 60_000;

jest.setTimeout(120_000);

let facts: CloudFacts;
const dir = useTempDir('openstack-client-');
let admin: OpenStackSession;
let demo: OpenStackSession;
const run_id = randomUUID().slice(0, 8);
const imagesToDelete: string[] = [];
const serversToDelete: string[] = [];
const reporter = new RecordingReporter();

function settingsOf(user: CloudUser) {
  return passwordAuth(facts, user);
}

const openAs = (user: CloudUser) =>
  OpenStackSession.open(settingsOf(user), { reporter, cloudsYaml: { env: {}, cwd: dir() } });

beforeAll(async () => {
  facts = await ensureOpenStack();
  [admin, demo] = await Promise.all([openAs(facts.users.admin), openAs(facts.users.demo)]);
}, START_TIMEOUT_MS);

afterAll(async () => {
  if (demo) {
    const nova = new Nova(demo);
    const glance = new Glance(demo);
    await Promise.allSettled(serversToDelete.map((id) => nova.deleteServerAndWait(id, FAST)));
    await Promise.allSettled(imagesToDelete.map((id) => glance.deleteIfExists(id)));
  }
}, 120_000);

/** A 64 MiB qcow2 with a random pattern written into it, so its bytes are unique to this run. */
async function makeQcow2(name: string): Promise<string> {
  const file = join(dir(), name);
  await run('qemu-img', ['create', '-q', '-f', 'qcow2', file, '64M']);
  const pattern = String(1 + Math.floor(Math.random() * 254));
  await run('qemu-io', [
    '-f',
    'qcow2',
    '-c',
    `write -P ${pattern} 0 1M`,
    '-c',
    `write -P 7 ${1 + Math.floor(Math.random() * 60)}M 64k`,
    file,
  ]);
  return file;
}

describe('Keystone', () => {
  it('logs in by password as admin and demo, with the catalog of the loopback cloud', () => {
    expect(admin.endpoint('image')).toBe(facts.endpoints.image);
    expect(demo.endpoint('compute')).toBe(facts.endpoints.compute);
    expect(demo.hasEndpoint('network')).toBe(facts.neutron);
    expect(demo.hasEndpoint('network') && demo.endpoint('network')).toBe(facts.endpoints.network ?? false);
    expect(admin.userId).not.toBe(demo.userId);
    expect(demo.projectId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('logs in with an application credential created through the API', async () => {
    const name = `ci-${run_id}`;
    const created = await demo.request('identity', {
      method: 'POST',
      path: `/users/${demo.userId}/application_credentials`,
      json: { application_credential: { name, description: 'indicovm integration test' } },
      response: 'json',
    });
    const credential = (created.body as { application_credential: { id: string; secret: string } })
      .application_credential;
    try {
      const byId = await OpenStackSession.open(
        {
          authUrl: facts.authUrl,
          applicationCredentialId: credential.id,
          applicationCredentialSecret: new Secret(credential.secret),
        },
        { reporter, cloudsYaml: { env: {}, cwd: dir() } },
      );
      expect(byId.projectId).toBe(demo.projectId);
      expect(Array.isArray(await new Glance(byId).list({ name: 'none-such' }))).toBe(true);

      // The same credential by name, through a clouds.yaml entry.
      await writeFile(
        join(dir(), 'clouds.yaml'),
        `clouds:\n  loop:\n    auth_type: v3applicationcredential\n    auth:\n      auth_url: ${facts.authUrl}\n      application_credential_name: ${name}\n      username: demo\n      user_domain_name: Default\n    region_name: ${facts.region}\n`,
      );
      await writeFile(
        join(dir(), 'secure.yaml'),
        `clouds:\n  loop:\n    auth:\n      application_credential_secret: ${credential.secret}\n`,
      );
      const byName = await OpenStackSession.open(
        { cloud: 'loop' },
        { reporter, cloudsYaml: { env: {}, cwd: dir() } },
      );
      expect(byName.userId).toBe(demo.userId);
    } finally {
      await demo.request('identity', {
        method: 'DELETE',
        path: `/users/${demo.userId}/application_credentials/${credential.id}`,
        response: 'none',
      });
      await rm(join(dir(), 'clouds.yaml'), { force: true });
    }
  });

  it('refuses a wrong password as a configuration error', async () => {
    await expect(
      OpenStackSession.open(
        { ...settingsOf(facts.users.demo), password: new Secret('not-the-password') },
        { reporter },
      ),
    ).rejects.toThrow(ConfigurationError);
  });
});

describe('Glance and Nova', () => {
  let direct: { id: string; sha512: string; file: string };

  it('uploads a qcow2 chunked, hashing in the same pass, and Glance agrees', async () => {
    const file = await makeQcow2('direct.qcow2');
    const glance = new Glance(demo);
    const { image, digests, method } = await glance.uploadImage(
      {
        name: `indicovm-it-${run_id}-direct`,
        diskFormat: 'qcow2',
        tags: ['indicovm-test'],
        properties: { os_distro: 'debian' },
      },
      file,
      { chunked: true, onCreated: (created) => imagesToDelete.push(created.id), ...FAST },
    );
    expect(method).toBe('direct');
    expect(image.status).toBe('active');
    expect(image.checksum).toBe((await hashFile(file, ['md5'])).md5);
    expect(image.os_hash_algo).toBe('sha512');
    expect(image.os_hash_value).toBe(digests.sha512);
    // Glance reports SHA-512: the file was read once, hashed on the way and not again for MD5.
    expect(digests.more).toBeUndefined();
    expect(image.virtual_size).toBe(64 * 1024 * 1024);
    expect(image.os_distro).toBe('debian');
    expect(image.tags).toEqual(['indicovm-test']);
    direct = { id: image.id, sha512: digests.sha512, file };
  });

  it('finds the image again by its hash, and by name', async () => {
    const glance = new Glance(demo);
    const file = await readFile(direct.file);
    const { createHash } = await import('node:crypto');
    const digests = {
      sha512: createHash('sha512').update(file).digest('hex'),
      size: file.length,
      more: { md5: createHash('md5').update(file).digest('hex') },
    };
    expect((await glance.findByHash(digests))?.id).toBe(direct.id);
    expect(await glance.findByHash({ ...digests, sha512: 'f'.repeat(128) })).toBeUndefined();
    expect((await glance.resolve(`indicovm-it-${run_id}-direct`)).id).toBe(direct.id);
    await expect(glance.resolve(`indicovm-it-${run_id}-missing`)).rejects.toThrow(/was not found in Glance/);
  });

  it('refuses a second upload to an active image with Glance message', async () => {
    const glance = new Glance(demo);
    await expect(glance.upload({ id: direct.id }, direct.file, { importMethod: 'direct' })).rejects.toThrow(
      `PUT /v2/images/${direct.id}/file failed: HTTP 409: Image status transition from active to saving is not allowed`,
    );
  });

  it('downloads an image streamed to a file, checked against its checksums', async () => {
    const target = join(dir(), 'downloaded.qcow2');
    const { digests } = await new Glance(demo).download(direct.id, target);
    expect(digests.sha512).toBe(direct.sha512);
    expect((await readFile(target)).equals(await readFile(direct.file))).toBe(true);
  });

  it('imports with glance-direct (stage, then import)', async () => {
    const file = join(dir(), 'staged.raw');
    await writeFile(file, randomBytes(300_000));
    const { image, digests, method } = await new Glance(demo).uploadImage(
      { name: `indicovm-it-${run_id}-staged`, diskFormat: 'raw' },
      file,
      { importMethod: 'glance-direct', onCreated: (created) => imagesToDelete.push(created.id), ...FAST },
    );
    expect(method).toBe('glance-direct');
    expect(image.status).toBe('active');
    expect(image.os_hash_value).toBe(digests.sha512);
    expect(image.size).toBe(300_000);
  });

  it('rotates images by name prefix, keeping the newest N', async () => {
    const glance = new Glance(demo);
    const prefix = `indicovm-rot-${run_id}-`;
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const { image } = await glance.create({ name: `${prefix}${n}`, diskFormat: 'raw' });
      imagesToDelete.push(image.id);
      ids.push(image.id);
      await new Promise((resolve) => setTimeout(resolve, 1100)); // created_at has second resolution
    }
    const all = await glance.listByPrefix(prefix);
    expect(all.map((image) => image.id)).toEqual(ids);
    const doomed = imagesBeyondKeep(all, 2);
    expect(doomed.map((image) => image.id)).toEqual([ids[0]]);
    for (const image of doomed) {
      await glance.delete(image.id);
    }
    expect((await glance.listByPrefix(prefix)).map((image) => image.id)).toEqual(ids.slice(1));
    expect(await glance.find(ids[0] as string)).toBeUndefined();
  });

  it('boots a server with user_data at microversion 2.74 and admin reads the user_data back', async () => {
    const nova = new Nova(demo);
    expect(await nova.microversion()).toBe('2.74');
    const flavor = await nova.resolveFlavor('m1.tiny');
    expect(flavor.id).toBe('1');
    const userData = `#cloud-config\nhostname: it-${run_id}\n`;
    const name = `indicovm-it-${run_id}`;
    const id = await nova.createServer({
      name,
      imageRef: direct.id,
      flavorRef: flavor.id,
      networks: await nova.resolveNetworks(['auto']),
      metadata: { purpose: 'integration-test' },
      userData,
    });
    serversToDelete.push(id);
    const server = await nova.waitActive(id, FAST);
    expect(server.metadata).toEqual({ purpose: 'integration-test' });
    expect(pickSshAddress(server)).toMatch(/^192\.168\.1\.\d+$/);
    expect((await nova.findServersByName(name)).map((s) => s.id)).toEqual([id]);
    expect(await nova.findServersByName(name.slice(0, -1))).toEqual([]);

    const asAdmin = await new Nova(admin).getServer(id);
    expect(Buffer.from(String(asAdmin['OS-EXT-SRV-ATTR:user_data']), 'base64').toString('utf8')).toBe(
      userData,
    );

    const console = await nova.consoleOutput(id, 50);
    expect(console).toContain('FAKE CONSOLE OUTPUT');
    expect(parseConsoleHostKeys(console)).toEqual([]);

    await nova.deleteServerAndWait(id, FAST);
    expect(await nova.findServer(id)).toBeUndefined();
    await new Glance(demo).delete(direct.id);
    expect(await new Glance(demo).find(direct.id)).toBeUndefined();
    await expect(new Glance(demo).get(direct.id)).rejects.toThrow(OpenStackHttpError);
  });

  it("surfaces Nova's fault message when a server goes to ERROR", async () => {
    const glance = new Glance(demo);
    const file = join(dir(), 'arm.raw');
    await writeFile(file, randomBytes(4096));
    const { image } = await glance.uploadImage(
      { name: `indicovm-it-${run_id}-aarch64`, diskFormat: 'raw', properties: { architecture: 'aarch64' } },
      file,
      { onCreated: (created) => imagesToDelete.push(created.id), ...FAST },
    );
    const nova = new Nova(demo);
    const id = await nova.createServer({
      name: `indicovm-it-${run_id}-arm`,
      imageRef: image.id,
      flavorRef: '1',
      networks: 'none',
    });
    serversToDelete.push(id);
    await expect(nova.waitActive(id, FAST)).rejects.toThrow(
      /Nova set it to ERROR: No valid host was found\. There are not enough hosts available\./,
    );
    await nova.deleteServerAndWait(id, FAST);
  });

  it('reports Nova 400s with their message', async () => {
    const nova = new Nova(demo);
    await expect(
      nova.createServer({
        name: `indicovm-it-${run_id}-bad`,
        imageRef: randomUUID(),
        flavorRef: '1',
        networks: 'auto',
      }),
    ).rejects.toThrow('POST /v2.1/servers failed: HTTP 400: Can not find requested image');
    await expect(nova.resolveFlavor('m1.huge')).rejects.toThrow(
      /flavor 'm1.huge' was not found .* available: m1.medium, m1.small, m1.tiny/,
    );
  });

  it('resolves networks by name or ID through Neutron, and refuses unknown names clearly', async () => {
    const nova = new Nova(demo);
    const external = facts.externalNetwork!;
    expect(await nova.resolveNetworks(['none'])).toBe('none');
    expect(await nova.resolveNetworks(['auto'])).toBe('auto');
    expect(await nova.resolveNetworks(['private'])).toEqual([{ uuid: facts.network.id }]);
    expect(await nova.resolveNetworks([external.id, 'private'])).toEqual([
      { uuid: external.id },
      { uuid: facts.network.id },
    ]);
    await expect(nova.resolveNetworks(['dmz'])).rejects.toThrow(
      "network 'dmz' was not found in Neutron (by name or ID)",
    );
    await expect(nova.resolveNetworks(['auto', 'private'])).rejects.toThrow(/cannot be combined/);
  });

  it('allocates a floating IP on the external network, binds it to the server port and releases it', async () => {
    const nova = new Nova(demo);
    const neutron = new Neutron(demo);
    const file = join(dir(), 'fip.raw');
    await writeFile(file, randomBytes(64 * 1024));
    const { image } = await new Glance(demo).uploadImage(
      { name: `indicovm-it-${run_id}-fip`, diskFormat: 'raw' },
      file,
      FAST,
    );
    imagesToDelete.push(image.id);
    const id = await nova.createServer({
      name: `indicovm-it-${run_id}-fip`,
      imageRef: image.id,
      flavorRef: '1',
      networks: await nova.resolveNetworks(['private']),
    });
    serversToDelete.push(id);
    const server = await nova.waitActive(id, FAST);
    const fixed = pickSshAddress(server)!;
    expect(fixed).toMatch(/^192\.168\.1\.\d+$/);

    const created: string[] = [];
    const ip = await neutron.attachFloatingIp(id, 'public', (fip) => created.push(fip.id));
    try {
      expect(created).toEqual([ip.id]);
      expect(ip.floating_network_id).toBe(facts.externalNetwork!.id);
      expect(ip.floating_ip_address).toMatch(/^172\.24\.4\.\d+$/);
      const [port] = await neutron.serverPorts(id);
      expect(ip.port_id).toBe(port!.id);
      const read = await demo.request('network', {
        method: 'GET',
        path: `/v2.0/floatingips/${ip.id}`,
        response: 'json',
      });
      expect((read.body as { floatingip: { fixed_ip_address: string } }).floatingip.fixed_ip_address).toBe(
        fixed,
      );
    } finally {
      await neutron.deleteFloatingIp(ip.id);
    }
    await expect(
      demo.request('network', { method: 'GET', path: `/v2.0/floatingips/${ip.id}`, response: 'json' }),
    ).rejects.toThrow(/HTTP 404/);
    await neutron.deleteFloatingIp(ip.id); // already gone: no error

    await expect(neutron.attachFloatingIp(id, 'private')).rejects.toThrow(
      /POST \/v2\.0\/floatingips failed: HTTP 400: .*not a valid external network/,
    );
    await expect(neutron.attachFloatingIp(randomUUID(), 'public')).rejects.toThrow(
      /no port with an IPv4 address/,
    );
  });

  it('creates and deletes a key pair from a public key', async () => {
    const nova = new Nova(demo);
    const name = `indicovm-it-${run_id}`;
    const created = await nova.createKeypair(name, PUBLIC_KEY);
    try {
      expect(created.fingerprint).toMatch(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
      await expect(nova.createKeypair(name, PUBLIC_KEY)).rejects.toThrow(
        /POST \/v2\.1\/os-keypairs failed: HTTP 409: Key pair .* already exists/,
      );
    } finally {
      await nova.deleteKeypair(name);
    }
    await nova.deleteKeypair(name); // already gone: tolerated
  });
});
