/**
 * The image build: resolve the base image → overlay → NoCloud seed → boot → SSH → cloud-init → upload
 * files → recipe and provision scripts → seal → poweroff → convert to each format → manifest → verify
 * boot → summary. Everything it starts or creates is in a Ledger first, so a failure (or a post step
 * after a cancelled job) leaves no qemu, no temporary folder and no half-written image behind.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { onInterrupt } from '../cleanup/interrupt.js';
import { Ledger, type CreatedResource, type Undo } from '../cleanup/ledger.js';
import { ConfigurationError, errorMessage } from '../errors.js';
import { chooseAccelerator, type Accelerator, type HostFacts } from '../qemu/accelerator.js';
import { QEMU_RESOURCE } from '../qemu/process.js';
import { serialLogTail } from '../qemu/serial.js';
import { installWheelhouse } from '../recipe/wheelhouse.js';
import type { Reporter } from '../report/reporter.js';
import type { SshSession } from '../ssh/index.js';
import { resolveBaseImage, type BaseImage, type GlanceImageFetcher } from './base-image.js';
import {
  checkBuildImageOptions,
  expectedBaseDigest,
  serialLogPathFor,
  type BuildImageOptions,
} from './build-options.js';
import type { Downloader } from './download.js';
import { glanceFetcherFromOptions, type GlanceFetcherContext } from './glance-base.js';
import type { CloudsYamlContext } from '../openstack/clouds-yaml.js';
import { OUTPUT_FILE_RESOURCE } from './convert.js';
import { buildManifest, buildSummary, manifestSettings, type VerifyResult } from './manifest.js';
import { PhaseClock } from './phase-clock.js';
import { readProvisionInputs, runProvisionStep, uploadFiles } from './provision.js';
import { checkSealResult, FINAL_SEAL_PATH, FINAL_SEAL_UNIT, finalSealScript, sealScript } from './seal.js';
import { qemuVmHost } from './qemu-vm-host.js';
import { waitForCloudInit } from './cloud-init-wait.js';
import type { BootedVm, VmHost } from './vm-host.js';
import { machineSettings, VmNotReachableError } from './vm.js';

export { runImage } from './run-image.js';
export type { Downloader, DownloadRequest } from './download.js';
export type { GlanceImageFetcher } from './base-image.js';
export type { BootedVm, VmHost } from './vm-host.js';

export type { BuildImageOptions, RunImageOptions } from './build-options.js';
export { checkBuildImageOptions, serialLogPathFor } from './build-options.js';

export interface BuiltImage {
  readonly format: string;
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

export interface BuildImageResult {
  readonly images: readonly BuiltImage[];
  readonly manifestPath: string;
  readonly serialLogPath: string;
  readonly outputDir: string;
  readonly accelerator: Accelerator;
  readonly baseImage: { readonly source: string; readonly sha256: string };
  /** Milliseconds per phase. */
  readonly timings: Readonly<Record<string, number>>;
  readonly verify?: VerifyResult;
}

/** What the caller plugs in: how to download, how to reach Glance, where to record what was created. */
export interface BuildImageDeps {
  /** Defaults to a ledger file beside the build's temporary folder, removed at the end. */
  readonly ledger?: Ledger;
  readonly downloader?: Downloader;
  /** Defaults to logging in with the build's OpenStack options, only for a glance: base image. */
  readonly fetchGlanceImage?: GlanceImageFetcher;
  /** Where each option's value came from, so an option's default does not override clouds.yaml. */
  readonly sources?: GlanceFetcherContext['sources'];
  readonly cloudsYaml?: CloudsYamlContext;
  /** For tests of the accelerator choice; read from the host by default. */
  readonly hostFacts?: HostFacts;
  /** Parent of the build's temporary folder (default: the OS temp dir). */
  readonly tempRoot?: string;
  /** Relative paths in the options are resolved against it (default: the current directory). */
  readonly cwd?: string;
  /** Disks, VMs and SSH into them (default: qemu on this host). */
  readonly vmHost?: VmHost;
}

export { OUTPUT_FILE_RESOURCE } from './convert.js';
export const TEMP_DIR_RESOURCE = 'temp-dir';

const MIB = 1024 * 1024;

/** How the post step (or a failed build) removes each kind of thing the build records. */
export const buildUndoers: Readonly<Record<string, Undo>> = {
  ...qemuVmHost.undoers,
  [TEMP_DIR_RESOURCE]: (resource: CreatedResource) => rm(resource.id, { recursive: true, force: true }),
  [OUTPUT_FILE_RESOURCE]: (resource: CreatedResource) => rm(resource.id, { force: true }),
};

export async function buildImage(
  options: BuildImageOptions,
  reporter: Reporter,
  deps: BuildImageDeps = {},
): Promise<BuildImageResult> {
  checkBuildImageOptions(options);
  const cwd = deps.cwd ?? process.cwd();
  const vmHost = deps.vmHost ?? qemuVmHost;
  const accelerator = chooseAccelerator(options.accelerator, reporter, deps.hostFacts);
  const inputs = readProvisionInputs(options, cwd);
  const outputDir = resolve(cwd, options.outputDir);
  mkdirSync(outputDir, { recursive: true });
  const serialLog = serialLogPathFor(options, cwd);

  const tempRoot = deps.tempRoot ?? tmpdir();
  mkdirSync(tempRoot, { recursive: true });
  const workDir = mkdtempSync(join(tempRoot, 'indicovm-build-'));
  const ownLedger = deps.ledger === undefined;
  const ledger = deps.ledger ?? new Ledger(`${workDir}.ledger.json`);
  ledger.record({ kind: TEMP_DIR_RESOURCE, id: workDir, label: 'build folder' });
  const undoers = { ...buildUndoers, ...vmHost.undoers };
  // What is still recorded: after success only the temporary folder, after a failure everything.
  const removeWhatIsRecorded = async (): Promise<void> => {
    await ledger.undoAll(undoers, (resource, error) =>
      reporter.warning(
        `Could not remove ${resource.kind} ${resource.label ?? resource.id}: ${errorMessage(error)}`,
      ),
    );
    if (ownLedger) {
      rmSync(ledger.file, { force: true });
    }
  };
  const doneWithInterrupt = onInterrupt(removeWhatIsRecorded);

  const machine = machineSettings(options, accelerator);
  const clock = new PhaseClock(reporter);
  let vm: BootedVm | undefined;
  let session: SshSession | undefined;
  try {
    const base = await clock.run('Base image', async () => {
      const resolved = await resolveBaseImage(
        options.baseImage!,
        expectedBaseDigest(options),
        {
          ...(deps.downloader ? { downloader: deps.downloader } : {}),
          fetchGlanceImage:
            deps.fetchGlanceImage ??
            glanceFetcherFromOptions(options, {
              ...(deps.sources ? { sources: deps.sources } : {}),
              ...(deps.cloudsYaml ? { cloudsYaml: deps.cloudsYaml } : {}),
            }),
          workDir,
          cwd,
          imageInfo: (path) => vmHost.imageInfo(path),
        },
        reporter,
      );
      reporter.info(
        `${resolved.source}: ${resolved.format}, ${resolved.virtualSize} bytes virtual, SHA-256 ${resolved.sha256}`,
      );
      return resolved;
    });

    const overlay = join(workDir, 'disk.qcow2');
    const diskBytes = options.diskSize * MIB;
    if (diskBytes < base.virtualSize) {
      throw new ConfigurationError(
        `Option 'disk-size' (${options.diskSize} MiB) is smaller than the base image's disk ` +
          `(${Math.ceil(base.virtualSize / MIB)} MiB); images can only grow.`,
      );
    }
    const { seed, seedFile } = await clock.run('Overlay and seed', async () => {
      await vmHost.createOverlay(base.path, base.format, overlay, diskBytes);
      return vmHost.writeSeed(workDir, options.seedName, {
        hostname:
          options.imageName
            .replace(/[^A-Za-z0-9-]/g, '-')
            .replace(/^-+|-+$/g, '')
            .slice(0, 63) || 'indicovm',
        buildUser: options.sshUsername,
        ...(inputs.networkConfig !== undefined ? { networkConfig: inputs.networkConfig } : {}),
      });
    });
    reporter.mask(seed.password.reveal());

    const buildVm = { name: 'build', workDir, disk: overlay, seed, seedFile, serialLog, machine };
    session = await clock.run('Boot and SSH', async () => {
      vm = await vmHost.boot(buildVm, ledger, reporter);
      return vm.connectSsh(options.sshTimeout * 1000, reporter);
    });
    const buildSession = session;

    const buildMachineId = await clock.run('cloud-init', async () => {
      await waitForCloudInit(buildSession, reporter, serialLog);
      return (await buildSession.exec(['cat', '/etc/machine-id'])).stdout.trim();
    });

    if (inputs.files.length > 0) {
      await clock.run('Upload files', () => uploadFiles(buildSession, inputs.files, reporter));
    }

    const wheelhouse = inputs.wheelhouse;
    if (wheelhouse !== undefined) {
      await clock.run('Upload wheelhouse', () => installWheelhouse(buildSession, wheelhouse, reporter));
    }

    for (const step of inputs.steps) {
      await clock.run(step.title, () => runProvisionStep(buildSession, step, reporter));
    }

    const sealed = await clock.run('Seal and power off', async () => {
      await runProvisionStep(buildSession, { title: 'seal', name: 'seal', script: sealScript() }, reporter);
      await buildSession.upload(finalSealScript(options.sshUsername), FINAL_SEAL_PATH, {
        sudo: true,
        mode: 0o700,
      });
      await buildSession.exec(
        ['systemd-run', '--no-block', '--collect', `--unit=${FINAL_SEAL_UNIT}`, '/bin/sh', FINAL_SEAL_PATH],
        { sudo: true },
      );
      await buildSession.close();
      session = undefined;
      const booted = vm!;
      const poweredOff = await booted.waitForExit(options.shutdownTimeout * 1000);
      if (!poweredOff) {
        await booted.stop(reporter);
      } else {
        ledger.release(QEMU_RESOURCE, String(booted.pid));
      }
      return { poweredOff, serial: readFileSync(serialLog, 'utf8') };
    });
    checkSealResult(sealed, serialLog, options.shutdownTimeout, reporter);

    const images = await clock.run('Convert', () =>
      vmHost.convertImages(overlay, options, outputDir, ledger, reporter),
    );

    let verify: VerifyResult | undefined;
    if (options.verify) {
      verify = await clock.run('Verify boot', () =>
        vmHost.verifyImage({
          image: images[0]!,
          workDir,
          outputDir,
          machine,
          options,
          buildHostKeyFingerprint: seed.hostKey.fingerprint,
          buildMachineId,
          recipeRan: options.recipe === 'indico',
          ledger,
          reporter,
        }),
      );
    }

    const manifestInput = {
      createdAt: new Date(),
      base,
      accelerator,
      timings: clock.timings,
      settings: manifestSettings(options),
      images,
      ...(verify ? { verify } : {}),
    };
    const manifestPath = join(outputDir, `${options.imageName}.manifest.json`);
    writeFileSync(manifestPath, `${JSON.stringify(buildManifest(manifestInput), null, 2)}\n`);
    reporter.summary(buildSummary(manifestInput, options.imageName));
    for (const image of images) {
      ledger.release(OUTPUT_FILE_RESOURCE, image.path);
    }
    return {
      images: images.map(({ format, path, size, sha256 }) => ({ format, path, size, sha256 })),
      manifestPath,
      serialLogPath: serialLog,
      outputDir,
      accelerator,
      baseImage: { source: base.source, sha256: base.sha256 },
      timings: clock.timings,
      ...(verify ? { verify } : {}),
    };
  } catch (error) {
    // A VM that never answered already carries the tail in its message.
    if (
      existsSync(serialLog) &&
      !(error instanceof ConfigurationError) &&
      !(error instanceof VmNotReachableError)
    ) {
      reporter.info(`Last lines of the serial console (${serialLog}):`);
      reporter.relay(serialLogTail(serialLog));
    }
    throw error;
  } finally {
    doneWithInterrupt();
    await session?.close().catch(() => undefined);
    await removeWhatIsRecorded();
  }
}

export type { BaseImage };
