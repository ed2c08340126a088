// buildImage() through its vmHost port, with an in-memory machine: the order of the build's phases,
// what it returns and writes, and what a failure leaves (nothing: no VM, no folder, no image, no
// ledger entry). Real qemu builds are in test/integration/image.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger } from '../../../shared/cleanup/ledger.js';
import { buildImage, type BuildImageResult } from '../../../shared/image/build-image.js';
import { cloudInitWaitScript } from '../../../shared/image/cloud-init-wait.js';
import type { BuildImageOptions } from '../../../shared/image/build-options.js';
import { FINAL_SEAL_PATH, sealScript } from '../../../shared/image/seal.js';
import { buildImageCommand } from '../../../shared/options/commands.js';
import { resolveOptions } from '../../../shared/options/resolve.js';
import { FAKE_MACHINE_ID, FakeVmHost, type FakeStep } from '../../support/fake-vm-host.js';
import { RecordingReporter } from '../../support/recording-reporter.js';

const noKvm = {
  kvmDeviceExists: false,
  kvmDeviceReadWrite: false,
  cpuHasVirtualization: false,
  kvmIsPvm: false,
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'indicovm-build-unit-'));
  writeFileSync(join(dir, 'base.qcow2'), 'base image bytes');
  writeFileSync(join(dir, 'step-one.sh'), 'echo step-one\n');
  writeFileSync(join(dir, 'motd'), 'welcome\n');
  mkdirSync(join(dir, 'tmp'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function options(extra: Record<string, string> = {}): BuildImageOptions {
  return resolveOptions(buildImageCommand, {
    explicit: {
      'base-image': 'base.qcow2',
      recipe: 'none',
      'provision-script': 'step-one.sh',
      files: 'motd:/etc/motd',
      formats: 'qcow2,raw',
      'image-name': 'test-image',
      'output-dir': 'out',
      ...extra,
    },
    explicitKind: 'flag',
    env: {},
  }).values;
}

async function build(extra: Record<string, string> = {}, failAt?: FakeStep) {
  const vmHost = new FakeVmHost();
  if (failAt) vmHost.failAt = { step: failAt, error: new Error(`the fake ${failAt} broke`) };
  const reporter = new RecordingReporter();
  const ledger = new Ledger(join(dir, 'ledger.json'));
  const outcome = await buildImage(options(extra), reporter, {
    vmHost,
    ledger,
    hostFacts: noKvm,
    tempRoot: join(dir, 'tmp'),
    cwd: dir,
  }).then(
    (result): { result?: BuildImageResult; error?: Error } => ({ result }),
    (error: unknown): { result?: BuildImageResult; error?: Error } => ({ error: error as Error }),
  );
  return { ...outcome, vmHost, reporter, ledger };
}

const outputs = (): string[] => (existsSync(join(dir, 'out')) ? readdirSync(join(dir, 'out')).sort() : []);

/** No VM runs, the temporary folder is gone and the ledger is empty, in memory and on disk. */
function expectNoBuildLeft(vmHost: FakeVmHost, ledger: Ledger): void {
  expect(vmHost.vms.filter((vm) => vm.running)).toEqual([]);
  expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
  expect(ledger.resources).toEqual([]);
  expect(new Ledger(ledger.file).resources).toEqual([]);
}

/** After a failure, not even an image (whole or partial) or a manifest: the serial log only, if it booted. */
function expectNothingLeft(vmHost: FakeVmHost, ledger: Ledger): void {
  expectNoBuildLeft(vmHost, ledger);
  expect(outputs()).toEqual(vmHost.vms.length > 0 ? ['test-image.serial.log'] : []);
}

describe('buildImage() through its vmHost port', () => {
  test('the phases in order: overlay, seed, boot, SSH, cloud-init, uploads, scripts, seal, poweroff, convert, verify', async () => {
    const { result, error, vmHost } = await build();
    expect(error).toBeUndefined();
    expect(result).toBeDefined();
    expect(vmHost.events).toEqual([
      'image-info base.qcow2',
      'overlay',
      'seed',
      'boot',
      'ssh',
      `exec sh -c ${cloudInitWaitScript()}`,
      'exec cat /etc/machine-id',
      'upload /etc/motd',
      'exec sh -s --',
      'exec sh -s --',
      `upload ${FINAL_SEAL_PATH}`,
      expect.stringMatching(new RegExp(`^exec systemd-run .* ${FINAL_SEAL_PATH}$`)),
      'close',
      'convert qcow2',
      'convert raw',
      'verify',
    ]);
    // The user's script first, then the seal.
    expect(vmHost.scripts).toEqual(['echo step-one\n', sealScript()]);
    expect(vmHost.session.files.get('/etc/motd')).toBe('welcome\n');
    expect(vmHost.session.closed).toBe(1);
  });

  test('the result: both images hashed, the manifest written with the verify result, nothing left to undo', async () => {
    const { result, vmHost, ledger, reporter } = await build();
    const out = join(dir, 'out');
    expect(result?.outputDir).toBe(out);
    expect(result?.accelerator).toBe('tcg');
    expect(result?.images.map((image) => [image.format, image.path])).toEqual([
      ['qcow2', join(out, 'test-image.qcow2')],
      ['raw', join(out, 'test-image.raw')],
    ]);
    for (const image of result?.images ?? []) {
      expect(readFileSync(image.path, 'utf8')).toBe(`${image.format} image of test-image\n`);
      expect(image.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(result?.baseImage.source).toBe('base.qcow2');
    expect(result?.baseImage.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(result?.verify).toEqual(vmHost.verifyResult);
    expect(Object.keys(result?.timings ?? {})).toEqual(
      expect.arrayContaining(['Base image', 'Boot and SSH', 'cloud-init', 'Convert', 'Verify boot']),
    );

    expect(result?.manifestPath).toBe(join(out, 'test-image.manifest.json'));
    const manifest = JSON.parse(readFileSync(result!.manifestPath, 'utf8')) as Record<string, unknown>;
    expect(JSON.stringify(manifest)).toContain(result!.images[1]!.sha256);
    expect(manifest).toHaveProperty('verify', expect.objectContaining({ hostKeyChanged: true }));

    // The verify boot learns what the build VM was, to tell the new instance from it.
    expect(vmHost.verifyRequests[0]?.buildMachineId).toBe(FAKE_MACHINE_ID);
    expect(vmHost.verifyRequests[0]?.image.format).toBe('qcow2');
    expect(reporter.summaries).toHaveLength(1);
    expectNoBuildLeft(vmHost, ledger);
    expect(outputs()).toEqual([
      'test-image.manifest.json',
      'test-image.qcow2',
      'test-image.raw',
      'test-image.serial.log',
    ]);
  });

  test('verify off: no verify boot, no verify in the result or the manifest', async () => {
    const { result, vmHost } = await build({ verify: 'false' });
    expect(vmHost.events).not.toContain('verify');
    expect(vmHost.verifyRequests).toEqual([]);
    expect(result?.verify).toBeUndefined();
    expect(readFileSync(result!.manifestPath, 'utf8')).not.toContain('hostKeyChanged');
  });

  test.each([
    ['ssh', ['boot', 'ssh', 'vm killed']],
    ['provision', ['exec sh -s --', 'close', 'vm killed']],
    ['convert raw', ['convert qcow2', 'convert raw']],
  ] as const)(
    'a failure at %s: the error propagates, and the VM, folder and images are removed',
    async (step, tail) => {
      const { result, error, vmHost, ledger } = await build({}, step);
      expect(result).toBeUndefined();
      expect(error?.message).toMatch(
        step === 'provision' ? /provision-script step-one\.sh/ : `the fake ${step} broke`,
      );
      expect(vmHost.events.slice(-tail.length)).toEqual(tail);
      expect(vmHost.events).not.toContain('verify');
      expectNothingLeft(vmHost, ledger);
    },
  );

  test('a failure before the VM: nothing booted, the folder still removed', async () => {
    const { error, vmHost, ledger } = await build({}, 'overlay');
    expect(error?.message).toBe('the fake overlay broke');
    expect(vmHost.vms).toEqual([]);
    expectNothingLeft(vmHost, ledger);
  });

  test('a VM that does not power off after the seal is stopped, and the build fails', async () => {
    const vmHost = new FakeVmHost();
    vmHost.powersOff = false;
    const ledger = new Ledger(join(dir, 'ledger.json'));
    await expect(
      buildImage(options(), new RecordingReporter(), {
        vmHost,
        ledger,
        hostFacts: noKvm,
        tempRoot: join(dir, 'tmp'),
        cwd: dir,
      }),
    ).rejects.toThrow(/did not power off/);
    expect(vmHost.events.slice(-2)).toEqual(['close', 'vm stopped']);
    expect(vmHost.events).not.toContain('convert qcow2');
    expectNothingLeft(vmHost, ledger);
  });
});
