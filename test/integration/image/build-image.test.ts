/**
 * The bundled action-build-image, run as the runner runs it (rebuild dist/ with `npm run bundle` first),
 * on the Debian 12 fixture under TCG: a real boot, provisioning, sealing and conversion, then the images
 * are inspected offline (debugfs reads the ext4 root of the raw image without mounting it).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tallyFault } from '../../security/tally.js';
import { ensureBaseImage } from '../../support/base-image.js';
import { processesMatching } from '../../support/processes.js';
import { runBundledAction, runPostStep, type ActionRun } from '../../support/run-action.js';

const MAIN = 'action-build-image/dist/index.js';
const POST = 'action-build-image/dist/post/index.js';
/** The fixture's root partition starts at 1 MiB. */
const ROOT_OFFSET = 1048576;

const PROVISION = `set -eu
mkdir -p /etc/indicovm-test
echo built-by-provision > /etc/indicovm-test/marker
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq -o Acquire::Languages=none
apt-get install -y -qq --no-install-recommends hello >/dev/null
hello
# Shell histories the seal must remove: another user's, root's, a system user's outside /home.
useradd -m -s /bin/bash histuser
echo 'mysql -p hunter2' > /home/histuser/.bash_history
echo 'keep me' > /home/histuser/notes.txt
mkdir -p /home/histuser/.local/share/fish
echo '- cmd: export TOKEN=abc' > /home/histuser/.local/share/fish/fish_history
echo 'cat /etc/shadow' > /root/.bash_history
echo ': 1:0;ls' > /root/.zsh_history
useradd -r -m -d /var/lib/histsvc histsvc
echo 'select 1;' > /var/lib/histsvc/.psql_history
`;

/** A file for the files input (local:remote), checked in the image. */
const UPLOADED = 'uploaded by the files input\n';
const UPLOADED_REMOTE = '/usr/local/share/indicovm-test-upload.txt';
const FORMATS = ['qcow2', 'raw', 'vdi', 'vmdk', 'vpc', 'vhdx'];
/** Formats whose qemu-img driver implements check; raw and vpc have none ("does not support checks"). */
const CHECKABLE = ['qcow2', 'vdi', 'vmdk', 'vhdx'];

let base: string;

beforeAll(async () => {
  base = await ensureBaseImage();
  if (!existsSync(MAIN)) {
    throw new Error(`${MAIN} is missing: run npm run bundle first.`);
  }
});

function sha256(path: string): string {
  // Streamed by sha256sum: a raw image is bigger than a Buffer may be.
  return execFileSync('sha256sum', ['--', path], { encoding: 'utf8' }).split(' ')[0]!;
}

/** Runs debugfs on the raw image's root filesystem; debugfs prints errors on stderr with status 0. */
function debugfs(raw: string, request: string): { out: string; err: string } {
  const result = spawnSync('debugfs', ['-R', request, `${raw}?offset=${ROOT_OFFSET}`], { encoding: 'utf8' });
  return { out: result.stdout, err: result.stderr };
}

/** Names in a folder of the image (`ls -p` prints /inode/mode/uid/gid/name/size/ lines). */
function entries(raw: string, folder: string): string[] {
  const { out, err } = debugfs(raw, `ls -p ${folder}`);
  if (/not found/.test(err)) {
    throw new Error(`${folder} does not exist in the image`);
  }
  return out
    .split('\n')
    .map((line) => line.split('/')[5])
    .filter((name): name is string => name !== undefined && name !== '.' && name !== '..');
}

function runPost(run: ActionRun, tmp: string): ActionRun {
  return runPostStep(POST, run, {}, { env: { TMPDIR: tmp } });
}

describe('action-build-image (bundled, qemu TCG)', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'indicovm-build-test-'));
  const workspaces: string[] = [];
  // The images are gigabytes (raw): nothing of a run stays behind.
  afterAll(() => {
    for (const folder of [...workspaces, scratch]) {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  test('builds, seals, converts and verifies an image; the images are sound and sealed', () => {
    const tmp = join(scratch, 'tmp-ok');
    mkdirSync(tmp);
    const started = Date.now();
    const run = runBundledAction(
      MAIN,
      {
        'base-image': base,
        accelerator: 'tcg',
        recipe: 'none',
        'provision-script': 'provision.sh',
        formats: FORMATS.join(','),
        files: `upload.txt:${UPLOADED_REMOTE}`,
        'disk-size': '3G',
        memory: '1024',
        'ssh-timeout': '300',
        'output-dir': 'out',
        'image-name': 'itest',
      },
      {
        env: { TMPDIR: tmp },
        files: { 'provision.sh': PROVISION, 'upload.txt': UPLOADED },
        timeoutMs: 15 * 60_000,
      },
    );
    workspaces.push(run.workspace);
    process.stderr.write(`build-image took ${Math.round((Date.now() - started) / 1000)} s\n`);
    if (run.status !== 0) {
      process.stderr.write(run.stdout.slice(-8000));
    }
    expect(run.status).toBe(0);
    const out = join(run.workspace, 'out');

    // Outputs.
    expect(run.outputs['image-path']).toBe(join(out, 'itest.qcow2'));
    expect(run.outputs['image-format']).toBe('qcow2');
    const images = JSON.parse(run.outputs.images!) as {
      format: string;
      path: string;
      size: number;
      sha256: string;
    }[];
    expect(images.map((i) => i.format)).toEqual(FORMATS);
    expect(run.outputs['image-size']).toBe(String(images[0]!.size));
    expect(run.outputs.sha256).toBe(images[0]!.sha256);
    expect(run.outputs['serial-log']).toBe(join(out, 'itest.serial.log'));
    expect(readFileSync(run.outputs['serial-log']!, 'utf8')).toContain('indicovm-seal: ok');
    // No runtime token here: the upload is skipped with a notice, and no artifact outputs are set.
    expect(run.stdout).toMatch(/::notice::Artifact itest-image \(the images\) was not uploaded/);
    expect(run.outputs['artifact-id']).toBeUndefined();
    // The provision script's output is streamed into the log, in its own group.
    expect(run.stdout).toContain('::group::Provision script 1: provision.sh');
    expect(run.stdout).toContain('Hello, world!');
    // Progress of the long steps: each says how it ended, the waits how long they took.
    expect(run.stdout).toMatch(/^Waiting for SSH on 127\.0\.0\.1:\d+: done, after \d/m);
    expect(run.stdout).toMatch(/^Waiting for cloud-init: done, after \d/m);
    expect(run.stdout).toMatch(/^Converting to itest\.qcow2: done, after \d/m);

    // Every image: the hash and size match the file; qemu-img check passes where the format has one;
    // every format holds the same disk as the raw image (qemu-img compare reads both).
    const raw = images.find((i) => i.format === 'raw')!.path;
    for (const image of images) {
      expect(statSync(image.path).size).toBe(image.size);
      expect(sha256(image.path)).toBe(image.sha256);
      if (CHECKABLE.includes(image.format)) {
        const check = JSON.parse(
          execFileSync('qemu-img', ['check', '--output=json', '-f', image.format, image.path], {
            encoding: 'utf8',
          }),
        ) as { corruptions?: number; leaks?: number; 'check-errors'?: number };
        expect([check.corruptions ?? 0, check.leaks ?? 0, check['check-errors'] ?? 0]).toEqual([0, 0, 0]);
      }
      // Probed, not told: the file really is in its format.
      const info = JSON.parse(
        execFileSync('qemu-img', ['info', '--output=json', image.path], { encoding: 'utf8' }),
      ) as { format: string; 'virtual-size': number; 'backing-filename'?: string };
      expect(info.format).toBe(image.format);
      if (image.format === 'vpc') {
        // VHD sizes are whole cylinders (CHS geometry): rounded up, by less than a MiB here.
        expect(info['virtual-size']).toBeGreaterThanOrEqual(3 * 1024 ** 3);
        expect(info['virtual-size']).toBeLessThan(3 * 1024 ** 3 + 1024 ** 2);
      } else {
        expect(info['virtual-size']).toBe(3 * 1024 ** 3);
      }
      expect(info['backing-filename']).toBeUndefined();
      if (image.format !== 'raw') {
        const compare = spawnSync('qemu-img', ['compare', '-f', image.format, '-F', 'raw', image.path, raw], {
          encoding: 'utf8',
        });
        // Status 0: identical. A VHD's extra cylinder is only reported ("Image size mismatch").
        expect([image.format, compare.status]).toEqual([image.format, 0]);
        expect(compare.stdout).toMatch(/^Images are identical\.$/m);
      }
    }
    const qcow2Info = execFileSync('qemu-img', ['info', images[0]!.path], { encoding: 'utf8' });
    expect(qcow2Info).toMatch(/compression type: zstd/);

    // The manifest.
    const manifest = JSON.parse(readFileSync(run.outputs.manifest!, 'utf8')) as {
      baseImage: { sha256: string };
      accelerator: string;
      timingsSeconds: Record<string, number>;
      images: { file: string; sha256: string; size: number; check: string }[];
      verify: { hostKeyChanged: boolean; machineIdChanged: boolean; buildUserGone: boolean };
    };
    expect(manifest.baseImage.sha256).toBe(sha256(base));
    process.stderr.write(`phase timings (s): ${JSON.stringify(manifest.timingsSeconds)}\n`);
    expect(manifest.accelerator).toBe('tcg');
    expect(Object.keys(manifest.timingsSeconds)).toEqual(
      expect.arrayContaining(['Boot and SSH', 'cloud-init', 'Seal and power off', 'Convert', 'Verify boot']),
    );
    expect(manifest.images.map((i) => i.file)).toEqual([
      'itest.qcow2',
      'itest.raw',
      'itest.vdi',
      'itest.vmdk',
      'itest.vhd',
      'itest.vhdx',
    ]);
    // The manifest's hashes and sizes are the files' (the outputs' are checked against the files above).
    expect(manifest.images.map((i) => [i.sha256, i.size])).toEqual(images.map((i) => [i.sha256, i.size]));
    expect(manifest.images.map((i) => i.check)).toEqual(
      FORMATS.map((f) => (CHECKABLE.includes(f) ? 'no errors' : 'not supported by the format')),
    );
    // The verify boot came up with a new host key and machine-id, and without the build user.
    expect(manifest.verify).toEqual({ hostKeyChanged: true, machineIdChanged: true, buildUserGone: true });
    expect(run.summary).toContain('itest.qcow2');

    // The sealed filesystem, read offline from the raw image.
    const sshDir = debugfs(raw, 'ls /etc/ssh');
    expect(sshDir.out).toContain('sshd_config');
    expect(sshDir.out).not.toMatch(/ssh_host_/);
    expect(debugfs(raw, 'cat /etc/indicovm-test/marker').out).toBe('built-by-provision\n');
    expect(debugfs(raw, 'stat /usr/bin/hello').err).not.toMatch(/not found/);
    // The files input: uploaded before provisioning, owned by root, with the local file's mode.
    expect(debugfs(raw, `cat ${UPLOADED_REMOTE}`).out).toBe(UPLOADED);
    const uploaded = debugfs(raw, `stat ${UPLOADED_REMOTE}`).out;
    expect(uploaded).toMatch(/User:\s+0\s+Group:\s+0\b/);
    expect(uploaded).toMatch(/Mode:\s+0644\b/);
    // Every user's shell history is gone (the provision script wrote some); their other files stay.
    expect(entries(raw, '/home/histuser')).toEqual(expect.arrayContaining(['notes.txt']));
    const histories = [
      ...entries(raw, '/home/histuser').filter((name) => /history/.test(name)),
      ...entries(raw, '/home/histuser/.local/share/fish').filter((name) => /history/.test(name)),
      ...entries(raw, '/root').filter((name) => /history/.test(name)),
      ...entries(raw, '/var/lib/histsvc').filter((name) => /history/.test(name)),
    ];
    expect(histories).toEqual([]);
    const machineId = debugfs(raw, 'stat /etc/machine-id');
    expect(machineId.err).not.toMatch(/not found/);
    expect(machineId.out).toMatch(/Size: 0\b/);
    expect(debugfs(raw, 'cat /etc/passwd').out).not.toMatch(/^indicovm:/m);
    expect(debugfs(raw, 'cat /etc/group').out).not.toMatch(/^indicovm:/m);
    expect(debugfs(raw, 'ls /home/indicovm').err).toMatch(/not found/);
    expect(debugfs(raw, 'stat /etc/sudoers.d/90-cloud-init-users').err).toMatch(/not found/);
    // cloud-init forgot this instance: no instance data, no logs; the next boot is a first boot.
    expect(entries(raw, '/var/lib/cloud')).toEqual([]);
    expect(debugfs(raw, 'stat /var/lib/cloud/instance').err).toMatch(/not found/);
    expect(debugfs(raw, 'stat /var/log/cloud-init.log').err).toMatch(/not found/);
    expect(debugfs(raw, 'stat /etc/apt/apt.conf.d/94cloud-init-config').err).toMatch(/not found/);
    // Logs are empty, /tmp is empty.
    expect(debugfs(raw, 'stat /var/log/dpkg.log').out).toMatch(/Size: 0\b/);
    expect(entries(raw, '/tmp')).toEqual([]);
    expect(entries(raw, '/var/tmp')).toEqual([]);

    // Nothing left behind: no qemu, no temporary folder, and the post step finds nothing to do.
    expect(processesMatching('qemu', run.workspace)).toEqual([]);
    expect(readdirSync(run.workspace).filter((name) => name.startsWith('indicovm-build-'))).toEqual([]);
    const post = runPost(run, tmp);
    expect(post.status).toBe(0);
    expect(post.stdout).toMatch(/Nothing to clean up/);
    expect(post.stdout).not.toContain('Serial console of the build VM');
  });

  test('a VM that never answers SSH fails with the serial console tail and leaves nothing behind', () => {
    const tmp = join(scratch, 'tmp-fail');
    mkdirSync(tmp);
    const workspace = mkdtempSync(join(scratch, 'ws-'));
    // A blank disk: SeaBIOS finds nothing to boot.
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', join(workspace, 'blank.qcow2'), '1G']);
    const run = runBundledAction(
      MAIN,
      {
        'base-image': 'blank.qcow2',
        accelerator: 'tcg',
        recipe: 'none',
        'provision-script': 'provision.sh',
        'ssh-timeout': '20s',
        'disk-size': '1G',
        memory: '512',
        'output-dir': 'out',
      },
      { workspace, env: { TMPDIR: tmp }, files: { 'provision.sh': PROVISION }, timeoutMs: 3 * 60_000 },
    );
    expect(run.status).not.toBe(0);
    expect(run.stdout).toMatch(/::error::action-build-image failed: .*the VM did not answer SSH within 20 s/);
    // The error carries the serial console's tail; a blank disk writes nothing there, and the error says so.
    expect(run.stdout).toMatch(/Last lines of the serial console/);
    expect(run.stdout).toMatch(/Nothing was written to the serial console: the disk did not boot/);
    // No qemu, no build folder, no temp file, no half-written image; the serial log stays for the
    // post step and the user.
    const orphans = [
      ...processesMatching('qemu', workspace).map(({ pid }) => `qemu process ${pid}`),
      ...readdirSync(workspace).filter((name) => name.startsWith('indicovm-build-')),
      ...readdirSync(tmp).map((name) => `temp file ${name}`),
      ...readdirSync(join(workspace, 'out')).filter((name) => name !== 'indico.serial.log'),
    ];
    tallyFault('build-image', 'the VM never reaches SSH', orphans);
    expect(orphans).toEqual([]);
    expect(readdirSync(join(workspace, 'out'))).toEqual(['indico.serial.log']);
    // The serial-log output is set before the build starts, so a failed build hands it on too.
    expect(run.outputs['serial-log']).toBe(join(workspace, 'out', 'indico.serial.log'));
    expect(run.outputs['image-path']).toBeUndefined();
    const post = runPost(run, tmp);
    expect(post.status).toBe(0);
    expect(post.stdout).toMatch(/Nothing to clean up/);
    expect(post.stdout).toContain('::group::Serial console of the build VM (last lines)');
  });
});
