/**
 * deploy() through its ports with an in-memory cloud (test/support/fake-cloud.ts): the order of the
 * calls, what it hands over, and what its undo removes when a step fails. The same paths against the
 * real Keystone, Glance and Nova are in test/integration/deploy/action-deploy.test.ts.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Ledger } from '../../../shared/cleanup/ledger.js';
import { deploy, type DeployOptions } from '../../../shared/deploy/deploy.js';
import { ConfigurationError } from '../../../shared/errors.js';
import { FAKE_HOST_KEY, FakeCloud, type FakeCloudSetup } from '../../support/fake-cloud.js';
import { deployOptions } from '../../support/deploy-options.js';
import { RecordingReporter } from '../../support/recording-reporter.js';
import { useTempDir } from '../../support/temp-dir.js';

const PUBLIC_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPBbyL7F9mfvxqfmlAOcqj3bsOHpAQxvDfz5xjykiKGt ci';

const dir = useTempDir('deploy-ports-');
const imagePath = (): string => join(dir(), 'indico-3.3-20261207.qcow2');
beforeAll(() => writeFileSync(imagePath(), Buffer.alloc(4096, 7)));

function options(extra: Record<string, string> = {}): DeployOptions {
  return deployOptions({
    'auth-url': 'https://keystone.invalid/v3',
    flavor: 'm1.small',
    'image-path': imagePath(),
    ...extra,
  });
}

async function run(
  extra: Record<string, string> = {},
  setup: FakeCloudSetup = {},
  prepare?: (fake: FakeCloud) => void,
) {
  const fake = new FakeCloud(setup);
  prepare?.(fake);
  const reporter = new RecordingReporter();
  const ledger = new Ledger(join(mkdtempSync(join(dir(), 'run-')), 'ledger.json'));
  const outcome = await deploy(options(extra), reporter, {
    ledger,
    pollMs: 5,
    openCloud: async () => fake.cloud,
  }).then(
    (result) => ({ result, error: undefined }),
    (error: unknown) => ({ result: undefined, error: error as Error }),
  );
  return { fake, reporter, ledger, ...outcome };
}

const method = (call: string) => call.split(' ')[0];

describe('deploy() through its cloud port', () => {
  it('checks everything, then uploads, boots, reads the host keys, and hands over what it made', async () => {
    const { fake, ledger, result, error, reporter } = await run({ 'public-key': PUBLIC_KEY });
    expect(error).toBeUndefined();
    expect(fake.calls.map(method)).toEqual([
      'nova.resolveFlavor',
      'nova.resolveNetworks',
      'nova.findServersByName',
      'glance.uploadImage',
      'glance.upload',
      'nova.createKeypair',
      'nova.createServer',
      'nova.waitActive',
      'nova.consoleOutput',
      'nova.getServer',
    ]);
    const image = [...fake.images.values()][0]!;
    const server = [...fake.servers.values()][0]!;
    expect(result).toMatchObject({
      imageId: image.id,
      serverId: server.id,
      serverName: 'indico',
      address: '10.0.0.5',
      hostKeys: [FAKE_HOST_KEY],
    });
    expect(image).toMatchObject({ name: 'indico-3.3-20261207.qcow2', status: 'active', size: 4096 });
    expect(server.spec).toMatchObject({ imageRef: image.id, flavorRef: 'f1', networks: 'auto' });
    expect(server.spec?.keyName).toMatch(/^indicovm-indico-[0-9a-f]{8}$/);
    // What the user keeps is no longer the post step's to remove.
    expect(ledger.resources).toEqual([]);
    expect(reporter.summaries).toHaveLength(1);
  });

  it('a wrong flavor, network or key pair fails before anything is uploaded or created', async () => {
    for (const [extra, message] of [
      [{ flavor: 'm9.huge' }, "no flavor 'm9.huge'"],
      [{ network: 'elsewhere' }, "no network 'elsewhere'"],
      [{ 'key-name': 'absent' }, "key pair 'absent' does not exist"],
      [{ 'boot-volume-size': '20' }, 'no public block-storage (Cinder) endpoint'],
    ] as const) {
      const { fake, error } = await run(extra, { cinder: false });
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error?.message).toContain(message);
      expect(fake.calls.filter((call) => /upload|create/.test(call))).toEqual([]);
    }
  });

  it('a server that does not become ACTIVE is removed with its key pair and image, newest first', async () => {
    const { fake, ledger, error, reporter } = await run({ 'public-key': PUBLIC_KEY }, {}, (cloud) =>
      cloud.failNext('nova.waitActive', new Error('Server indico is ERROR: No valid host was found.')),
    );
    expect(error?.message).toBe('Server indico is ERROR: No valid host was found.');
    const undo = fake.calls.slice(fake.calls.findIndex((call) => call.startsWith('nova.waitActive')) + 1);
    expect(undo.map(method)).toEqual([
      'nova.deleteServerAndWait',
      'nova.deleteKeypair',
      'glance.deleteIfExists',
    ]);
    expect(fake.left()).toEqual({ images: [], servers: [], keypairs: [], floatingIps: [], volumes: [] });
    expect(ledger.resources).toEqual([]);
    expect(reporter.all()).toContain('Removed 3 of 3');
  });

  it('keep-on-failure leaves what the failed run made, says so, and releases it from the ledger', async () => {
    const { fake, ledger, error, reporter } = await run({ 'keep-on-failure': 'true' }, {}, (cloud) =>
      cloud.failNext('nova.createServer', new Error('Quota exceeded for instances')),
    );
    expect(error?.message).toBe('Quota exceeded for instances');
    expect(fake.left().images).toHaveLength(1);
    expect(fake.calls.filter((call) => call.startsWith('glance.delete'))).toEqual([]);
    expect(reporter.warnings().join('\n')).toContain(
      'keep-on-failure: leaving what this run created: glance-image',
    );
    expect(ledger.resources).toEqual([]);
  });

  it('a floating IP becomes the address, and on a later failure goes first in the undo', async () => {
    const networks = { networks: ['private', 'public'] };
    const { fake, result } = await run({ 'floating-ip-network': 'public' }, networks);
    const ip = [...fake.floatingIps.values()][0]!;
    expect(result?.address).toBe(ip.floating_ip_address);
    expect(ip.port_id).toBe(`port-${result!.serverId}`);

    const old = { id: 'old-1', name: 'indico', status: 'ACTIVE' };
    const failed = await run(
      { 'floating-ip-network': 'public', replace: 'true' },
      { ...networks, servers: [old] },
      (cloud) => cloud.failNext('nova.deleteServerAndWait', new Error('Nova: server old-1 is locked (409)')),
    );
    expect(failed.error?.message).toBe('Nova: server old-1 is locked (409)');
    const undo = failed.fake.calls.slice(failed.fake.calls.indexOf('nova.deleteServerAndWait old-1') + 1);
    expect(undo.map(method)).toEqual([
      'neutron.deleteFloatingIp',
      'nova.deleteServerAndWait',
      'glance.deleteIfExists',
    ]);
    expect(failed.fake.left()).toEqual({
      images: [],
      servers: [],
      keypairs: [],
      floatingIps: [],
      volumes: [],
    });
    // The old server was not this run's to remove.
    expect(failed.fake.servers.has('old-1')).toBe(true);
  });

  it('without a network endpoint, floating-ip-network is refused before anything is made', async () => {
    const { fake, error } = await run(
      { 'floating-ip-network': 'public' },
      { networks: ['public'], neutron: false },
    );
    expect(error?.message).toContain("Option 'floating-ip-network' is set, but this cloud has no network");
    expect(fake.calls.filter((call) => /upload|create/.test(call))).toEqual([]);
  });

  it('a boot volume Nova keeps (delete-on-termination false) is deleted by the undo too', async () => {
    const { fake, error } = await run(
      { 'boot-volume-size': '20', 'delete-on-termination': 'false' },
      {},
      (cloud) => cloud.failNext('nova.waitActive', new Error('Server indico is ERROR')),
    );
    expect(error?.message).toBe('Server indico is ERROR');
    expect(fake.calls.map(method).slice(-4)).toEqual([
      'nova.findServer',
      'nova.deleteServerAndWait',
      'cinder.deleteVolumeAndWait',
      'glance.deleteIfExists',
    ]);
    expect(fake.left()).toEqual({ images: [], servers: [], keypairs: [], floatingIps: [], volumes: [] });
  });

  it('replace deletes the old server of the same name only after the new one is ACTIVE', async () => {
    const old = { id: 'old-1', name: 'indico', status: 'ACTIVE' };
    const { fake, result } = await run({ replace: 'true' }, { servers: [old] });
    const order = fake.calls.map(method);
    expect(order.indexOf('nova.deleteServerAndWait')).toBeGreaterThan(order.indexOf('nova.waitActive'));
    expect(fake.calls).toContain('nova.deleteServerAndWait old-1');
    expect(fake.servers.has('old-1')).toBe(false);
    expect(fake.servers.has(result!.serverId)).toBe(true);
  });

  it('keep-images deletes the oldest of the series and never the image just uploaded', async () => {
    const image = (id: string, name: string, created: string) => ({
      id,
      name,
      status: 'active',
      created_at: created,
      owner: 'project-1',
    });
    const images = [
      image('a', 'indico-3.3-20261101.qcow2', '2025-11-01T00:00:00Z'),
      image('b', 'indico-3.3-20261115.qcow2', '2025-11-15T00:00:00Z'),
      image('c', 'indico-3.3-20261201.qcow2', '2025-12-01T00:00:00Z'),
      image('x', 'other-3.3.qcow2', '2025-01-01T00:00:00Z'),
    ];
    const { fake, result } = await run({ 'keep-images': '2' }, { images });
    expect([...fake.images.keys()].sort()).toEqual(['c', 'x', result!.imageId].sort());
  });

  it('a stock image boots with the generated user-data and uploads nothing', async () => {
    const stock = { id: 'debian', name: 'debian-12', status: 'active', created_at: '2025-01-01T00:00:00Z' };
    const { fake, error } = await run({ 'image-path': '', 'source-image': 'debian-12' }, { images: [stock] });
    expect(error).toBeUndefined();
    expect(fake.calls.filter((call) => call.startsWith('glance.'))).toEqual(['glance.resolve debian-12']);
    const spec = [...fake.servers.values()][0]!.spec!;
    expect(spec.imageRef).toBe('debian');
    const userData = Buffer.from(spec.userData!);
    const text = (userData[0] === 0x1f ? gunzipSync(userData) : userData).toString();
    expect(text).toContain('Content-Type: multipart/mixed');
    expect(fake.left().images).toEqual([]);
  });
});
