// Faults injected into real runs, each followed by a search for what it may have left behind: through
// the real OpenStack APIs, the process table and the file system. Every fault adds to the run's tally
// (test/security/tally.ts), printed when the whole jest run ends. Faults that belong to one feature are
// tested beside it and tallied the same way: a 503 with Retry-After, a token that expires and an upload
// cut mid-way in openstack/fault-paths (the real services cannot produce them on demand), Nova's ERROR
// in deploy/action-deploy, a VM that never reaches SSH in build/build-image, and the SSH connection
// dropped mid-task in manage/vm.
// Real services: the loopback OpenStack (test/support/openstack.ts), a real sshd, qemu-img on a real
// full file system. Run `npm run bundle` first.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ledger } from '../../../shared/cleanup/ledger.js';
import { convertImages } from '../../../shared/image/convert.js';
import { buildUndoers } from '../../../shared/image/build-image.js';
import type { OpenStackSession } from '../../../shared/openstack/auth.js';
import { Glance } from '../../../shared/openstack/glance.js';
import { Nova } from '../../../shared/openstack/nova.js';
import { tallyFault } from '../../security/tally.js';
import { DEPLOY, DEPLOY_POST, MANAGE, requireBundled } from '../../support/bundled.js';
import { openDemoSession } from '../../support/demo-session.js';
import {
  authInputs,
  type CloudFacts,
  ensureOpenStack,
  killService,
  restartStopped,
} from '../../support/openstack.js';
import { processesMatching, waitUntil } from '../../support/processes.js';
import { RecordingReporter } from '../../support/recording-reporter.js';
import { runPostStep, startBundledAction, type RunningAction } from '../../support/run-action.js';
import { rootKeyInputs } from '../../support/sshd-logins.js';
import { useTempDir } from '../../support/temp-dir.js';
import { useSshd } from '../../support/use-sshd.js';

jest.setTimeout(300_000);

const SUITE = 'faults';
const RUN_TIMEOUT_MS = 180_000;
// Large enough that the upload is still running when the fault strikes (Glance takes ~100 MiB/s here).
const IMAGE_MIB = 384;

const id = `f${randomUUID().slice(0, 7)}`;
const dir = useTempDir('indicovm-faults-');
let facts: CloudFacts;
let demo: OpenStackSession;

beforeAll(async () => {
  requireBundled(DEPLOY, DEPLOY_POST, MANAGE);
  facts = await ensureOpenStack();
  demo = await openDemoSession(facts, dir());
}, 900_000);

afterAll(async () => {
  // Whatever a failed assertion left behind: everything this file creates carries the run id.
  if (demo) {
    await restartStopped();
    const leftovers = await cloudLeftovers(`flt-${id}`);
    const nova = new Nova(demo);
    const glance = new Glance(demo);
    await Promise.allSettled(
      leftovers.servers.map((server) => nova.deleteServerAndWait(server, { pollMs: 500 })),
    );
    await Promise.allSettled(leftovers.images.map((image) => glance.deleteIfExists(image)));
    await Promise.allSettled(leftovers.keypairs.map((name) => nova.deleteKeypair(name)));
  }
}, 300_000);

/** A raw image of IMAGE_MIB MiB, sparse but for a random first MiB that makes its bytes this run's own. */
function bigImage(name: string): string {
  const file = join(dir(), name);
  execFileSync('truncate', ['-s', `${IMAGE_MIB}M`, file]);
  execFileSync('dd', ['if=/dev/urandom', `of=${file}`, 'bs=1M', 'count=1', 'conv=notrunc', 'status=none']);
  return file;
}

/** Images, servers and key pairs whose names carry the prefix, as the real APIs list them. */
async function cloudLeftovers(
  prefix: string,
): Promise<{ images: string[]; servers: string[]; keypairs: string[] }> {
  const images = (await new Glance(demo).list()).filter((image) => (image.name ?? '').startsWith(prefix));
  const servers = await demo.request('compute', { method: 'GET', path: '/servers', response: 'json' });
  const keypairs = await demo.request('compute', { method: 'GET', path: '/os-keypairs', response: 'json' });
  return {
    images: images.map((image) => image.id),
    servers: (servers.body as { servers: { id: string; name: string }[] }).servers
      .filter((server) => server.name.startsWith(prefix))
      .map((server) => server.id),
    keypairs: (keypairs.body as { keypairs: { keypair: { name: string } }[] }).keypairs
      .map((entry) => entry.keypair.name)
      .filter((name) => name.includes(prefix)),
  };
}

/** What a deploy run named `name` may have left: cloud resources, and processes still running for it. */
async function deployOrphans(name: string, workspace: string): Promise<string[]> {
  const left = await cloudLeftovers(name);
  return [
    ...left.images.map((image) => `Glance image ${image}`),
    ...left.servers.map((server) => `Nova server ${server}`),
    ...left.keypairs.map((keypair) => `key pair ${keypair}`),
    ...processesMatching(workspace).map(({ pid, cmdline }) => `process ${pid}: ${cmdline}`),
  ];
}

/** Starts a deploy that uploads a fresh image, and waits until Glance says the upload is under way. */
async function deployUntilUploading(name: string): Promise<RunningAction> {
  const running = startBundledAction(DEPLOY, {
    ...authInputs(facts),
    'image-path': bigImage(`${name}.raw`),
    'image-name': name,
    'server-name': name,
    'public-key': `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPBbyL7F9mfvxqfmlAOcqj3bsOHpAQxvDfz5xjykiKGt ${name}`,
    flavor: 'm1.tiny',
    network: 'auto',
    'wait-timeout': '60s',
    'host-key-timeout': '1s',
  });
  const glance = new Glance(demo);
  await waitUntil(
    `Glance to receive image ${name}`,
    async () =>
      running.child.exitCode === null &&
      (await glance.list()).some((image) => image.name === name && image.status === 'saving'),
    120_000,
  );
  return running;
}

describe('OpenStack', () => {
  it('Glance killed mid-upload: the run fails naming the upload, the post step clears up once Glance is back', async () => {
    const name = `flt-${id}-killed`;
    const running = await deployUntilUploading(name);
    let killed = false;
    try {
      await killService('glance');
      killed = true;
    } finally {
      if (!killed) running.child.kill('SIGKILL');
    }
    const run = await running.done;
    // Glance stays down until the run has given up: what the run could not remove is the post step's.
    await restartStopped();
    expect(run.status).not.toBe(0);
    expect(run.stdout).toMatch(/::error::action-deploy failed: .*\/v2\/images\/[0-9a-f-]+\/file/);

    const post = runPostStep(DEPLOY_POST, run, authInputs(facts), { timeoutMs: RUN_TIMEOUT_MS });
    expect(post.status).toBe(0);
    const orphans = await deployOrphans(name, run.workspace);
    tallyFault(SUITE, 'Glance killed mid-upload', orphans);
    expect(orphans).toEqual([]);
  });

  it('the runner cancels the job mid-upload: the post step removes what the run had created', async () => {
    const name = `flt-${id}-cancel`;
    const running = await deployUntilUploading(name);
    // What the runner sends first when a job is cancelled.
    running.child.kill('SIGINT');
    const run = await running.done;
    expect(run.signal ?? run.status).not.toBe(0);
    expect(run.outputs['server-id']).toBeUndefined();

    const post = runPostStep(DEPLOY_POST, run, authInputs(facts), { timeoutMs: RUN_TIMEOUT_MS });
    expect(post.status).toBe(0);
    expect(post.stdout).toMatch(/Removed [1-9]\d* of [1-9]\d* resource\(s\)\./);
    const orphans = await deployOrphans(name, run.workspace);
    tallyFault(SUITE, 'runner cancels the job', orphans);
    expect(orphans).toEqual([]);
  });
});

describe('image conversion', () => {
  it('disk full while converting: a clear error naming output-dir, and no image, whole or partial, left', async () => {
    const full = join(dir(), 'full');
    mkdirSync(full);
    // A real file system that fills up: 24 MiB for an image with 64 MiB of data.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m,mode=0755', 'tmpfs', full]);
    try {
      const overlay = join(dir(), 'overlay.qcow2');
      execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', overlay, '256M']);
      execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x5a 0 64M', overlay], { stdio: 'ignore' });
      const ledger = new Ledger(join(dir(), 'convert-ledger.json'));
      const reporter = new RecordingReporter();
      const converting = convertImages(
        overlay,
        { formats: ['raw'], imageName: 'indico', compression: 'none' },
        full,
        ledger,
        reporter,
      );
      await expect(converting).rejects.toThrow(
        new RegExp(
          `converting indico\\.raw failed with exit code 1: the file system of output-dir ${full} is full ` +
            '\\(\\d+ MiB free after removing the partial image\\)',
        ),
      );
      // The build's failure path: everything the ledger holds is removed.
      const failures: string[] = [];
      await ledger.undoAll(buildUndoers, (resource) => failures.push(`could not remove ${resource.id}`));
      const orphans = [
        ...failures,
        ...readdirSync(full).map((file) => `file ${file}`),
        ...processesMatching('qemu-img', full).map(({ pid }) => `qemu-img process ${pid}`),
      ];
      tallyFault(SUITE, 'disk full while converting', orphans);
      expect(orphans).toEqual([]);
      expect(JSON.parse(readFileSync(ledger.file, 'utf8'))).toEqual([]);
    } finally {
      execFileSync('umount', [full]);
    }
  });
});

describe('SSH', () => {
  const sshd = useSshd();

  it("a connection dropped during the 'run' task fails clearly and is not run again", async () => {
    // A duration no other process uses, so the sleep the dropped connection leaves behind can be ended.
    const duration = `30.${randomBytes(3).readUIntBE(0, 3)}`;
    const running = startBundledAction(MANAGE, {
      ...rootKeyInputs(sshd()),
      tasks: 'run',
      script: `echo started\nsleep ${duration}`,
    });
    await waitUntil('the script to start', () => running.stdout().includes('started'), 60_000);
    await sshd().dropConnections();
    const run = await running.done;
    // Over SSH a command outlives a lost connection unless the server ends it: ours is ended here.
    execFileSync('pkill', ['-f', `sleep ${duration}`]);
    expect(run.status).not.toBe(0);
    expect(run.stdout).toMatch(
      /::error::action-manage failed: The SSH connection to 127\.0\.0\.1:\d+ dropped during task 'run'; it is not run again by itself/,
    );
    expect(run.stdout.match(/^started$/gm)).toHaveLength(1);
    const orphans = [
      ...(await sshd().connectionPids()).map((pid) => `sshd connection process ${pid}`),
      ...processesMatching(run.workspace).map(({ pid }) => `process ${pid}`),
    ];
    tallyFault(SUITE, "SSH dropped during the 'run' task", orphans);
    expect(orphans).toEqual([]);
  });
});
