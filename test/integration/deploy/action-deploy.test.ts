// The bundled action-deploy (main and post) against the real loopback cloud: Keystone, Glance and Nova
// with the fake driver, started once by test/support/openstack.ts. Run `npm run bundle` first.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { OpenStackSession } from '../../../shared/openstack/auth.js';
import { Glance, type GlanceImage } from '../../../shared/openstack/glance.js';
import { Neutron } from '../../../shared/openstack/neutron.js';
import { attachedVolumes, Nova } from '../../../shared/openstack/nova.js';
import { Cinder } from '../../../shared/openstack/cinder.js';
import { openStackCloud } from '../../../shared/deploy/cloud.js';
import { deployUndoers, KEPT_VOLUMES, KIND } from '../../../shared/deploy/undo.js';
import {
  authInputs,
  type CloudFacts,
  type CloudUser,
  ensureOpenStack,
  passwordAuth,
} from '../../support/openstack.js';
import { REPO, runBundledAction, runPostStep, type ActionRun } from '../../support/run-action.js';
import { tallyFault } from '../../security/tally.js';
import { processesMatching } from '../../support/processes.js';
import { silentReporter } from '../../support/recording-reporter.js';
import { useTempDir } from '../../support/temp-dir.js';

const MAIN = 'action-deploy/dist/index.js';
const POST = 'action-deploy/dist/post/index.js';
const PUBLIC_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPBbyL7F9mfvxqfmlAOcqj3bsOHpAQxvDfz5xjykiKGt test@indicovm';
const START_TIMEOUT_MS = 15 * 60_000;
const RUN_TIMEOUT_MS = 180_000;

jest.setTimeout(300_000);

// Starts with a letter so that the keep-images series of the names below is this run's only.
const id = `r${randomUUID().slice(0, 7)}`;
let facts: CloudFacts;
const dir = useTempDir('deploy-it-');
let demo: OpenStackSession;
let admin: OpenStackSession;
/** The project's floating IPs before this file ran: any other is this file's to remove. */
let floatingIpsBefore: Set<string> | undefined;

function settingsOf(user: CloudUser) {
  return passwordAuth(facts, user);
}

function runDeploy(inputs: Record<string, string>, workspace?: string): ActionRun {
  return runBundledAction(
    MAIN,
    {
      ...authInputs(facts),
      flavor: 'm1.tiny',
      network: 'auto',
      'wait-timeout': '120s',
      // The fake driver's console log never has host keys: read it once.
      'host-key-timeout': '1s',
      ...inputs,
    },
    { timeoutMs: RUN_TIMEOUT_MS, workspace },
  );
}

function runPost(main: ActionRun, inputs: Record<string, string>): ActionRun {
  return runPostStep(POST, main, { ...authInputs(facts), ...inputs }, { timeoutMs: RUN_TIMEOUT_MS });
}

function explain(run: ActionRun): string {
  return `exit ${run.status}\n${run.stdout}\n${run.stderr}`;
}

/** A qcow2 with random data written into it, so that its bytes are unique to this run. */
function makeQcow2(name: string): string {
  const file = join(dir(), name);
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', file, '64M']);
  const pattern = String(1 + Math.floor(Math.random() * 254));
  execFileSync('qemu-io', ['-f', 'qcow2', '-c', `write -P ${pattern} 0 1M`, '-c', `write -P 7 8M 64k`, file]);
  return file;
}

function sha512(file: string): string {
  return createHash('sha512').update(readFileSync(file)).digest('hex');
}

async function imagesNamed(prefix: string): Promise<GlanceImage[]> {
  return (await new Glance(demo).list()).filter((image) => (image.name ?? '').startsWith(prefix));
}

async function keypairNames(): Promise<string[]> {
  const response = await demo.request('compute', { method: 'GET', path: '/os-keypairs', response: 'json' });
  return (response.body as { keypairs: { keypair: { name: string } }[] }).keypairs.map((k) => k.keypair.name);
}

/** The demo project's floating IPs as Neutron lists them. */
async function floatingIps(): Promise<{ id: string; floating_ip_address: string; port_id: string | null }[]> {
  const response = await demo.request('network', {
    method: 'GET',
    path: '/v2.0/floatingips',
    response: 'json',
  });
  return (
    response.body as { floatingips: { id: string; floating_ip_address: string; port_id: string | null }[] }
  ).floatingips;
}

async function counts(): Promise<{ images: number; servers: number; keypairs: number }> {
  const servers = await demo.request('compute', { method: 'GET', path: '/servers', response: 'json' });
  return {
    images: (await new Glance(demo).list()).length,
    servers: (servers.body as { servers: unknown[] }).servers.length,
    keypairs: (await keypairNames()).length,
  };
}

beforeAll(async () => {
  if (!existsSync(join(REPO, POST))) {
    throw new Error('action-deploy is not bundled: run `npm run bundle` first');
  }
  facts = await ensureOpenStack();
  const options = { reporter: silentReporter, cloudsYaml: { env: {}, cwd: dir() } };
  [demo, admin] = await Promise.all([
    OpenStackSession.open(settingsOf(facts.users.demo), options),
    OpenStackSession.open(settingsOf(facts.users.admin), options),
  ]);
  floatingIpsBefore = new Set((await floatingIps()).map((ip) => ip.id));
}, START_TIMEOUT_MS);

afterAll(async () => {
  // Whatever a failed assertion left behind: everything this file creates carries the run id.
  if (demo) {
    const nova = new Nova(demo);
    const glance = new Glance(demo);
    const servers = (await nova.findServersByName(`it-${id}-up`)).concat(
      await nova.findServersByName(`it-${id}-stock`),
      await nova.findServersByName(`it-${id}-fail`),
      await nova.findServersByName(`it-${id}-post`),
      await nova.findServersByName(`it-${id}-replace`),
      await nova.findServersByName(`it-${id}-fip`),
      await nova.findServersByName(`it-${id}-bfv`),
      await nova.findServersByName(`it-${id}-bfv-keep`),
    );
    await Promise.allSettled(servers.map((server) => nova.deleteServerAndWait(server.id, { pollMs: 500 })));
    const images = await imagesNamed(`it-${id}`);
    await Promise.allSettled(images.map((image) => glance.deleteIfExists(image.id)));
    const keys = (await keypairNames()).filter((name) => name.includes(`it-${id}`));
    await Promise.allSettled(keys.map((name) => nova.deleteKeypair(name)));
    const neutron = new Neutron(demo);
    const ips = (await floatingIps()).filter(
      (ip) => floatingIpsBefore !== undefined && !floatingIpsBefore.has(ip.id),
    );
    await Promise.allSettled(ips.map((ip) => neutron.deleteFloatingIp(ip.id)));
  }
}, 300_000);

describe('image upload and boot', () => {
  it('uploads a qcow2 with the same bytes, boots it ACTIVE with an address, and sets every output', async () => {
    const file = makeQcow2('upload.qcow2');
    const run = runDeploy({
      'image-path': file,
      'image-name': `it-${id}-upload-1`,
      'server-name': `it-${id}-up`,
      properties: 'os_distro=debian,indicovm_test=yes',
      tags: 'indicovm,it',
      'min-ram': '256',
      metadata: 'role=indico',
      'public-key': PUBLIC_KEY,
    });
    if (run.status !== 0) throw new Error(explain(run));
    expect(run.status).toBe(0);

    const image = await new Glance(demo).get(run.outputs['image-id']!);
    expect(image.status).toBe('active');
    expect(image.name).toBe(`it-${id}-upload-1`);
    expect(image.disk_format).toBe('qcow2');
    expect(image.os_hash_algo).toBe('sha512');
    expect(image.os_hash_value).toBe(sha512(file));
    expect(image.size).toBe(readFileSync(file).length);
    expect(image.min_ram).toBe(256);
    expect(image.os_distro).toBe('debian');
    expect([...(image.tags ?? [])].sort()).toEqual(['indicovm', 'it']);

    const server = await new Nova(admin).getServer(run.outputs['server-id']!);
    expect(server.status).toBe('ACTIVE');
    expect(server.name).toBe(`it-${id}-up`);
    expect(server.metadata).toEqual({ role: 'indico' });
    expect(server.key_name).toMatch(new RegExp(`^indicovm-it-${id}-up-[0-9a-f]{8}$`));
    expect(server['OS-EXT-SRV-ATTR:user_data']).toBeNull();
    expect((server.image as { id: string }).id).toBe(image.id);

    expect(run.outputs['server-name']).toBe(`it-${id}-up`);
    expect(run.outputs.address).toMatch(/^192\.168\.1\.\d+$/);
    const addresses = JSON.parse(run.outputs.addresses!) as Record<string, { addr: string }[]>;
    expect(
      Object.values(addresses)
        .flat()
        .map((a) => a.addr),
    ).toContain(run.outputs.address);
    expect(run.outputs['host-keys']).toBe('');
    expect(run.outputs['user-data-path']).toBeUndefined();
    expect(run.summary).toContain(image.id);
    expect(run.summary).toContain(server.id);
    expect(run.summary).toContain(sha512(file));
    // Progress: the upload says how much in how long, and each status change is a line.
    expect(run.stdout).toMatch(/^Uploading upload\.qcow2 to Glance: done, \d+\.\d MiB in .* MiB\/s\)$/m);
    expect(run.stdout).toMatch(new RegExp(`^Image ${image.id}: active after `, 'm'));
    expect(run.stdout).toMatch(new RegExp(`^Server ${server.id}: ACTIVE after `, 'm'));
    // The secret reached no log.
    expect(run.stdout).not.toContain(`::debug::${facts.users.demo.password}`);

    // What the user keeps was released: the post step leaves it.
    const post = runPost(run, {});
    expect(post.status).toBe(0);
    expect(post.stdout).toContain('Nothing to clean up');
    expect((await new Nova(demo).getServer(server.id)).status).toBe('ACTIVE');
    expect((await new Glance(demo).get(image.id)).status).toBe('active');
  });
});

describe('a network by name and a floating IP (real Neutron)', () => {
  it('boots on the named network and hands on the floating IP as the address', async () => {
    const run = runDeploy({
      'image-path': makeQcow2('fip.qcow2'),
      'image-name': `it-${id}-fip`,
      'server-name': `it-${id}-fip`,
      network: 'private',
      'floating-ip-network': 'public',
    });
    if (run.status !== 0) throw new Error(explain(run));
    expect(run.stdout).toMatch(/Attached floating IP 172\.24\.4\.\d+/);
    expect(run.outputs.address).toMatch(/^172\.24\.4\.\d+$/);
    const serverId = run.outputs['server-id']!;
    const [port] = await new Neutron(demo).serverPorts(serverId);
    expect(port!.network_id).toBe(facts.network.id);
    const ip = (await floatingIps()).find(
      (candidate) => candidate.floating_ip_address === run.outputs.address,
    );
    expect(ip?.port_id).toBe(port!.id);
    const addresses = JSON.parse(run.outputs.addresses!) as Record<string, { addr: string }[]>;
    expect(addresses.private?.map((a) => a.addr)).toEqual([port!.fixed_ips[0]!.ip_address]);
    expect(run.summary).toContain(run.outputs.address);

    await new Nova(demo).deleteServerAndWait(serverId, { pollMs: 500 });
    await new Neutron(demo).deleteFloatingIp(ip!.id);
  });

  it('a floating IP network that is not external fails after the boot, and the run removes the server', async () => {
    const before = await counts();
    const ipsBefore = (await floatingIps()).length;
    const run = runDeploy({
      'image-path': makeQcow2('fip-bad.qcow2'),
      'image-name': `it-${id}-fip-bad`,
      'server-name': `it-${id}-fip`,
      network: 'private',
      'floating-ip-network': 'private',
      'public-key': PUBLIC_KEY,
    });
    expect(run.status).not.toBe(0);
    expect(run.stdout).toMatch(
      /::error::action-deploy failed: .*floatingips failed: HTTP 400: .*not a valid external network/,
    );
    const post = runPost(run, {});
    expect(post.status).toBe(0);
    const orphans = [
      ...(await imagesNamed(`it-${id}-fip-bad`)).map((image) => `Glance image ${image.id}`),
      ...(await new Nova(demo).findServersByName(`it-${id}-fip`)).map((server) => `Nova server ${server.id}`),
      ...((await floatingIps()).length > ipsBefore ? ['a floating IP'] : []),
    ];
    expect(orphans).toEqual([]);
    expect(await counts()).toEqual(before);
  });
});

describe('stock image with generated user-data', () => {
  it('boots the given image with the recipe as MIME user-data that Nova hands back as sent', async () => {
    const { image: stock } = await new Glance(demo).uploadImage(
      { name: `it-${id}-stock-image`, diskFormat: 'qcow2' },
      makeQcow2('stock.qcow2'),
      { pollMs: 300, timeoutMs: 60_000 },
    );
    const workspace = mkdtempSync(join(tmpdir(), 'deploy-ws-'));
    const run = runDeploy(
      {
        'source-image': stock.id,
        'server-name': `it-${id}-stock`,
        'server-hostname': 'indico.example.org',
        'user-data-path': 'out/user-data.mime',
      },
      workspace,
    );
    if (run.status !== 0) throw new Error(explain(run));
    expect(run.status).toBe(0);
    expect(run.outputs['image-id']).toBe(stock.id);
    expect(run.outputs['user-data-path']).toBe(join(workspace, 'out', 'user-data.mime'));
    const written = readFileSync(run.outputs['user-data-path']!);

    // Read back as admin (OS-EXT-SRV-ATTR:user_data needs microversion >= 2.3).
    const server = await new Nova(admin).getServer(run.outputs['server-id']!);
    const sent = Buffer.from(server['OS-EXT-SRV-ATTR:user_data'] as string, 'base64');
    expect(sent.equals(written)).toBe(true);
    const mime = (sent[0] === 0x1f && sent[1] === 0x8b ? gunzipSync(sent) : sent).toString('utf8');
    expect(mime).toMatch(/^Content-Type: multipart\/mixed; boundary="([^"]+)"/);
    expect(mime).toContain('Content-Type: text/x-shellscript');
    expect(mime).toContain('filename="indicovm-provision.sh"');
    expect(mime).toContain('indico.example.org');
    expect(run.summary).toContain('Stock image booted');
  });
});

describe('boot from a volume (real Cinder)', () => {
  async function volume(volumeId: string) {
    return new Cinder(demo).findVolume(volumeId);
  }
  async function gone(volumeId: string): Promise<boolean> {
    for (let i = 0; i < 60; i++) {
      if ((await volume(volumeId)) === undefined) return true;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    return false;
  }

  it('a flavor with zero disk and no boot-volume-size is refused before anything is uploaded', async () => {
    expect(facts.cinder).toBe(true);
    const run = runDeploy({
      'image-path': makeQcow2('zero.qcow2'),
      'image-name': `it-${id}-zero`,
      'server-name': `it-${id}-zero`,
      flavor: 'm1.zero-disk',
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(
      "::error::action-deploy invalid settings: Option 'flavor': flavor 'm1.zero-disk' has no root disk (disk 0), so Nova boots it from a volume only: set 'boot-volume-size' (GiB) to boot from a new volume made from the image.",
    );
    expect(await imagesNamed(`it-${id}-zero`)).toEqual([]);
  });

  it('boots a zero-disk flavor from a new volume made from the image; the volume goes with the server', async () => {
    const run = runDeploy({
      'image-path': makeQcow2('bfv.qcow2'),
      'image-name': `it-${id}-bfv`,
      'server-name': `it-${id}-bfv`,
      flavor: 'm1.zero-disk',
      'boot-volume-size': '1',
    });
    if (run.status !== 0) throw new Error(explain(run));
    const volumeId = run.outputs['boot-volume-id']!;
    const server = await new Nova(demo).getServer(run.outputs['server-id']!);
    // Volume-backed: Nova reports no image for the server, and the volume as its root disk.
    expect(server.image).toBe('');
    expect(attachedVolumes(server)).toEqual([{ id: volumeId, deleteOnTermination: true }]);
    expect(await volume(volumeId)).toMatchObject({ status: 'in-use', size: 1, bootable: 'true' });
    expect(run.summary).toMatch(
      new RegExp(
        `\\| Boot volume \\| 1 GiB, made from the image \\| ${volumeId} \\| deleted with the server \\|`,
      ),
    );

    await new Nova(demo).deleteServerAndWait(server.id, { pollMs: 500 });
    expect(await gone(volumeId)).toBe(true);
  });

  it('delete-on-termination false leaves the volume to the server; undoing the run removes both', async () => {
    const run = runDeploy({
      'image-path': makeQcow2('bfv-keep.qcow2'),
      'image-name': `it-${id}-bfv-keep`,
      'server-name': `it-${id}-bfv-keep`,
      flavor: 'm1.zero-disk',
      'boot-volume-size': '1',
      'delete-on-termination': 'false',
    });
    if (run.status !== 0) throw new Error(explain(run));
    const volumeId = run.outputs['boot-volume-id']!;
    const serverId = run.outputs['server-id']!;
    expect(attachedVolumes(await new Nova(demo).getServer(serverId))).toEqual([
      { id: volumeId, deleteOnTermination: false },
    ]);
    expect(run.summary).toContain('kept when the server is deleted');
    // What a failed run (or its post step) does with the server it recorded.
    const undo = deployUndoers(async () => openStackCloud(demo), { pollMs: 500, timeoutMs: 120_000 });
    await undo[KIND.server]!({ kind: KIND.server, id: serverId, detail: { [KEPT_VOLUMES]: 1 } });
    expect(await new Nova(demo).findServer(serverId)).toBeUndefined();
    expect(await volume(volumeId)).toBeUndefined();
  });
});

describe('a failed boot', () => {
  it("surfaces Nova's fault, removes the image, server and key pair, and the post step finds nothing left", async () => {
    const before = await keypairNames();
    const run = runDeploy({
      'image-path': makeQcow2('arm.qcow2'),
      'image-name': `it-${id}-arm`,
      'server-name': `it-${id}-fail`,
      properties: 'architecture=aarch64',
      'public-key': PUBLIC_KEY,
    });
    expect(run.status).not.toBe(0);
    expect(run.stdout).toContain('::error::action-deploy failed');
    expect(run.stdout).toContain('No valid host was found');

    const post = runPost(run, {});
    expect(post.status).toBe(0);
    const orphans = [
      ...(await imagesNamed(`it-${id}-arm`)).map((image) => `Glance image ${image.id}`),
      ...(await new Nova(demo).findServersByName(`it-${id}-fail`)).map(
        (server) => `Nova server ${server.id}`,
      ),
      ...(await keypairNames()).filter((name) => !before.includes(name)).map((name) => `key pair ${name}`),
      ...processesMatching(run.workspace).map(({ pid }) => `process ${pid}`),
    ];
    tallyFault('faults (deploy)', 'Nova server goes to ERROR', orphans);
    expect(orphans).toEqual([]);
  });

  it('the post step removes what an interrupted run left recorded', async () => {
    // As after a cancelled job: the main step recorded a key pair, an image and a server, then stopped.
    const nova = new Nova(demo);
    const { image } = await new Glance(demo).uploadImage(
      { name: `it-${id}-post`, diskFormat: 'qcow2' },
      makeQcow2('post.qcow2'),
      { pollMs: 300, timeoutMs: 60_000 },
    );
    const keypair = `indicovm-it-${id}-post`;
    await nova.createKeypair(keypair, PUBLIC_KEY);
    const serverId = await nova.createServer({
      name: `it-${id}-post`,
      imageRef: image.id,
      flavorRef: '1',
      networks: 'auto',
      keyName: keypair,
    });
    await nova.waitActive(serverId, { pollMs: 300, timeoutMs: 60_000 });
    const ip = await new Neutron(demo).attachFloatingIp(serverId, 'public');
    const workspace = mkdtempSync(join(tmpdir(), 'deploy-ws-'));
    const ledger = join(workspace, 'ledger.json');
    writeFileSync(
      ledger,
      JSON.stringify([
        { kind: 'glance-image', id: image.id },
        { kind: 'nova-keypair', id: keypair },
        { kind: 'nova-server', id: serverId },
        { kind: 'floating-ip', id: ip.id },
      ]),
    );
    const post = runBundledAction(POST, authInputs(facts), {
      env: { 'STATE_ledger-file': ledger },
      timeoutMs: RUN_TIMEOUT_MS,
    });
    expect(post.status).toBe(0);
    expect(post.stdout).toContain('Removed 4 of 4 resource(s).');
    expect((await floatingIps()).map((candidate) => candidate.id)).not.toContain(ip.id);
    expect(await nova.findServer(serverId)).toBeUndefined();
    expect(await new Glance(demo).find(image.id)).toBeUndefined();
    expect(await keypairNames()).not.toContain(keypair);
    expect(JSON.parse(readFileSync(ledger, 'utf8'))).toEqual([]);
  });
});

describe('replace, reuse and keep-images', () => {
  it('boots a new server of the same name before deleting the old one, reuses identical bytes, rotates older images', async () => {
    const name = `it-${id}-replace`;
    const fileA = makeQcow2('a.qcow2');
    const first = runDeploy({ 'image-path': fileA, 'image-name': `it-${id}-series-1`, 'server-name': name });
    if (first.status !== 0) throw new Error(explain(first));
    expect(first.status).toBe(0);

    const second = runDeploy({
      'image-path': fileA,
      'image-name': `it-${id}-series-2`,
      'server-name': name,
      'reuse-image': 'true',
      replace: 'true',
    });
    if (second.status !== 0) throw new Error(explain(second));
    expect(second.status).toBe(0);
    expect(second.outputs['image-id']).toBe(first.outputs['image-id']);
    expect(second.outputs['server-id']).not.toBe(first.outputs['server-id']);
    expect(second.summary).toContain('Server replaced (deleted)');
    const nova = new Nova(demo);
    expect((await nova.findServersByName(name)).map((s) => s.id)).toEqual([second.outputs['server-id']]);
    expect(await imagesNamed(`it-${id}-series-2`)).toEqual([]);

    const third = runDeploy({
      'image-path': makeQcow2('b.qcow2'),
      'image-name': `it-${id}-series-3`,
      'server-name': name,
      'keep-images': '1',
      replace: 'true',
    });
    if (third.status !== 0) throw new Error(explain(third));
    expect(third.status).toBe(0);
    expect((await imagesNamed(`it-${id}-series-`)).map((image) => image.id)).toEqual([
      third.outputs['image-id'],
    ]);
    expect((await nova.findServersByName(name)).map((s) => s.id)).toEqual([third.outputs['server-id']]);
  });
});

describe('a bad setting', () => {
  it('fails before anything is created', async () => {
    const before = await counts();
    const run = runDeploy({
      'image-path': makeQcow2('never.qcow2'),
      'image-name': `it-${id}-never`,
      'server-name': `it-${id}-never`,
      flavor: 'm1.enormous',
      'public-key': PUBLIC_KEY,
    });
    expect(run.status).not.toBe(0);
    expect(run.stdout).toContain(
      "::error::action-deploy invalid settings: flavor 'm1.enormous' was not found",
    );
    expect(await counts()).toEqual(before);
  });
});
