/**
 * The image build: resolve the base image → overlay → NoCloud seed → boot → SSH → cloud-init → upload
 * files → recipe and provision scripts → seal → poweroff → convert to each format → manifest → verify
 * boot → summary. Everything it starts or creates is in a Ledger first, so a failure (or a post step
 * after a cancelled job) leaves no qemu, no temporary folder and no half-written image behind.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { onInterrupt } from '../cleanup/interrupt.js';
import { Ledger, type CreatedResource, type Undo } from '../cleanup/ledger.js';
import { ConfigurationError, CommandError, errorMessage } from '../errors.js';
import type { Values } from '../options/kinds.js';
import { buildImageCommand, runImageCommand } from '../options/commands.js';
import { chooseAccelerator, type Accelerator, type HostFacts } from '../qemu/accelerator.js';
import { createOverlay } from '../qemu/img.js';
import { killRecordedQemu, QEMU_RESOURCE, type QemuProcess } from '../qemu/process.js';
import { serialLogTail } from '../qemu/serial.js';
import { readPemInputs } from '../recipe/pem-inputs.js';
import { renderRecipe } from '../recipe/render.js';
import {
  installWheelhouse,
  isWheelhouseUrl,
  wheelhouseSource,
  type LocalWheelhouse,
} from '../recipe/wheelhouse.js';
import { formatDuration, type Reporter } from '../report/reporter.js';
import type { SshSession } from '../ssh/index.js';
import { resolveBaseImage, type BaseImage, type GlanceImageFetcher } from './base-image.js';
import type { Downloader, ExpectedDigest } from './download.js';
import { glanceFetcherFromOptions, type GlanceFetcherContext } from './glance-base.js';
import type { CloudsYamlContext } from '../openstack/clouds-yaml.js';
import { convertImages, OUTPUT_FILE_RESOURCE } from './convert.js';
import { buildManifest, buildSummary, type VerifyResult } from './manifest.js';
import {
  FINAL_SEAL_PATH,
  FINAL_SEAL_UNIT,
  finalSealScript,
  SEAL_FAILED,
  SEAL_NOTE,
  SEAL_OK,
  sealScript,
} from './seal.js';
import { bootVm, LineSink, VmNotReachableError, waitForSsh, writeSeed, type MachineSettings } from './vm.js';
import { verifyImage, waitForCloudInit } from './verify.js';

export { runImage } from './run-image.js';
export type { Downloader, DownloadRequest } from './download.js';
export type { GlanceImageFetcher } from './base-image.js';

export type BuildImageOptions = Values<typeof buildImageCommand.options>;
export type RunImageOptions = Values<typeof runImageCommand.options>;

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
}

export { OUTPUT_FILE_RESOURCE } from './convert.js';
export const TEMP_DIR_RESOURCE = 'temp-dir';

/** How the post step (or a failed build) removes each kind of thing the build records. */
export const buildUndoers: Readonly<Record<string, Undo>> = {
  [QEMU_RESOURCE]: killRecordedQemu,
  [TEMP_DIR_RESOURCE]: (resource: CreatedResource) => rm(resource.id, { recursive: true, force: true }),
  [OUTPUT_FILE_RESOURCE]: (resource: CreatedResource) => rm(resource.id, { force: true }),
};

const MIB = 1024 * 1024;

/** Checks that need more than one option, before anything is downloaded or started. */
export function checkBuildImageOptions(options: BuildImageOptions): void {
  const base = options.baseImage;
  if (!base) {
    throw new ConfigurationError(
      "Missing option 'base-image': give an https URL, a local path or glance:<name-or-id>.",
    );
  }
  if (base.startsWith('glance:') && base.length === 'glance:'.length) {
    throw new ConfigurationError(
      "Invalid option 'base-image': glance: needs an image name or ID after the colon.",
    );
  }
  for (const [option, given] of [
    ['base-image-sha256', options.baseImageSha256],
    ['base-image-sha512', options.baseImageSha512],
  ] as const) {
    if (given && !/^https?:\/\//.test(base)) {
      throw new ConfigurationError(`Option '${option}' only applies when 'base-image' is a URL.`);
    }
  }
  if (options.baseImageSha256 && options.baseImageSha512) {
    throw new ConfigurationError(
      "Options 'base-image-sha256' and 'base-image-sha512' are both set: give the one the image's publisher lists.",
    );
  }
  if (options.recipe === 'none' && options.provisionScript.length === 0) {
    throw new ConfigurationError(
      "With 'recipe: none', give at least one 'provision-script' (or the image would be unchanged).",
    );
  }
  if (new Set(options.formats).size !== options.formats.length) {
    throw new ConfigurationError(`Option 'formats' lists a format twice: ${options.formats.join(', ')}.`);
  }
  if (options.formats.length === 0) {
    throw new ConfigurationError(
      "Option 'formats' is empty: give at least one of qcow2, raw, vdi, vmdk, vpc, vhdx.",
    );
  }
}

/** Where the build's serial console log goes (known before the build starts, for a post step). */
export function serialLogPathFor(
  options: Pick<BuildImageOptions, 'outputDir' | 'imageName'>,
  cwd = process.cwd(),
): string {
  return join(resolve(cwd, options.outputDir), `${options.imageName}.serial.log`);
}

interface UploadFile {
  readonly local: string;
  readonly remote: string;
}

interface ProvisionStep {
  readonly title: string;
  readonly name: string;
  readonly script: string;
}

/** Everything read from local files up front, so a missing file fails before a VM is started. */
function readInputs(
  options: BuildImageOptions,
  cwd: string,
): {
  files: UploadFile[];
  steps: ProvisionStep[];
  networkConfig?: string;
  wheelhouse?: LocalWheelhouse;
} {
  const files = options.files.map((entry) => {
    const at = entry.indexOf(':/');
    const local = resolve(cwd, entry.slice(0, at));
    if (!existsSync(local) || !statSync(local).isFile()) {
      throw new ConfigurationError(`Option 'files': ${local} (from "${entry}") is not a file.`);
    }
    return { local, remote: entry.slice(at + 1) };
  });
  const steps: ProvisionStep[] = [];
  if (options.recipe === 'indico') {
    steps.push({
      title: 'Recipe: the Indico stack',
      name: 'recipe indico',
      script: renderRecipe(readPemInputs(options)).script,
    });
  }
  options.provisionScript.forEach((path, index) => {
    const full = resolve(cwd, path);
    let script: string;
    try {
      script = readFileSync(full, 'utf8');
    } catch (error) {
      throw new ConfigurationError(
        `Option 'provision-script': cannot read ${full} (${errorMessage(error)}).`,
      );
    }
    steps.push({
      title: `Provision script ${index + 1}: ${basename(full)}`,
      name: `provision-script ${path}`,
      script,
    });
  });
  let networkConfig: string | undefined;
  if (options.networkConfig) {
    const full = resolve(cwd, options.networkConfig);
    try {
      networkConfig = readFileSync(full, 'utf8');
    } catch (error) {
      throw new ConfigurationError(`Option 'network-config': cannot read ${full} (${errorMessage(error)}).`);
    }
  }
  // A URL is fetched by the recipe in the VM; a local wheelhouse is sent before the recipe runs.
  const wheelhouse =
    options.pythonWheelhouse !== undefined && !isWheelhouseUrl(options.pythonWheelhouse)
      ? (wheelhouseSource(options.pythonWheelhouse, cwd) as LocalWheelhouse)
      : undefined;
  return {
    files,
    steps,
    ...(networkConfig !== undefined ? { networkConfig } : {}),
    ...(wheelhouse !== undefined ? { wheelhouse } : {}),
  };
}

/** The digest the base image download must have, from whichever of the two options is set. */
function expectedBaseDigest(options: BuildImageOptions): ExpectedDigest | undefined {
  if (options.baseImageSha512) return { algorithm: 'sha512', hex: options.baseImageSha512.toLowerCase() };
  if (options.baseImageSha256) return { algorithm: 'sha256', hex: options.baseImageSha256.toLowerCase() };
  return undefined;
}

class PhaseClock {
  readonly timings: Record<string, number> = {};
  constructor(private readonly reporter: Reporter) {}

  async run<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const started = Date.now();
    try {
      return await this.reporter.group(name, fn);
    } finally {
      this.timings[name] = (this.timings[name] ?? 0) + (Date.now() - started);
    }
  }
}

export async function buildImage(
  options: BuildImageOptions,
  reporter: Reporter,
  deps: BuildImageDeps = {},
): Promise<BuildImageResult> {
  checkBuildImageOptions(options);
  const cwd = deps.cwd ?? process.cwd();
  const accelerator = chooseAccelerator(options.accelerator, reporter, deps.hostFacts);
  const inputs = readInputs(options, cwd);
  const outputDir = resolve(cwd, options.outputDir);
  mkdirSync(outputDir, { recursive: true });
  const serialLog = serialLogPathFor(options, cwd);

  const tempRoot = deps.tempRoot ?? tmpdir();
  mkdirSync(tempRoot, { recursive: true });
  const workDir = mkdtempSync(join(tempRoot, 'indicovm-build-'));
  const ownLedger = deps.ledger === undefined;
  const ledger = deps.ledger ?? new Ledger(`${workDir}.ledger.json`);
  ledger.record({ kind: TEMP_DIR_RESOURCE, id: workDir, label: 'build folder' });
  const removeWhatIsRecorded = async (): Promise<void> => {
    await undoEverything(ledger, reporter);
    if (ownLedger) {
      rmSync(ledger.file, { force: true });
    }
  };
  const doneWithInterrupt = onInterrupt(removeWhatIsRecorded);

  const machine: MachineSettings = {
    binary: options.qemuBinary,
    accelerator,
    memory: options.memory,
    cpus: options.cpus,
    extraArgs: options.qemuArgs,
  };
  const clock = new PhaseClock(reporter);
  let qemu: QemuProcess | undefined;
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
      await createOverlay(base.path, base.format, overlay, diskBytes);
      return writeSeed(workDir, options.seedName, {
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

    const buildVm = {
      name: 'build',
      workDir,
      disk: overlay,
      diskFormat: 'qcow2',
      seed,
      seedFile,
      serialLog,
      machine,
    };
    session = await clock.run('Boot and SSH', async () => {
      qemu = await bootVm(buildVm, ledger, reporter, { guestPorts: [22] });
      return waitForSsh(qemu, seed, serialLog, options.sshTimeout * 1000, reporter);
    });
    const buildSession = session;

    const buildMachineId = await clock.run('cloud-init', async () => {
      await waitForCloudInit(buildSession, reporter, serialLog);
      return (await buildSession.exec(['cat', '/etc/machine-id'])).stdout.trim();
    });

    if (inputs.files.length > 0) {
      await clock.run('Upload files', async () => {
        for (const file of inputs.files) {
          const mode = statSync(file.local).mode & 0o777;
          await buildSession.upload(readFileSync(file.local), file.remote, { sudo: true, mode });
          reporter.info(`${file.local} → ${file.remote}`);
        }
      });
    }

    const wheelhouse = inputs.wheelhouse;
    if (wheelhouse !== undefined) {
      await clock.run('Upload wheelhouse', () => installWheelhouse(buildSession, wheelhouse, reporter));
    }

    for (const step of inputs.steps) {
      await clock.run(step.title, () => runStep(buildSession, step, reporter));
    }

    const sealed = await clock.run('Seal and power off', async () => {
      await runStep(buildSession, { title: 'seal', name: 'seal', script: sealScript() }, reporter);
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
      const vm = qemu!;
      const poweredOff = await vm.waitForExit(options.shutdownTimeout * 1000);
      if (!poweredOff) {
        await vm.stop(reporter);
      } else {
        ledger.release(QEMU_RESOURCE, String(vm.pid));
      }
      return { poweredOff, serial: readFileSync(serialLog, 'utf8') };
    });
    checkSealResult(sealed, serialLog, options.shutdownTimeout, reporter);

    const images = await clock.run('Convert', () =>
      convertImages(overlay, options, outputDir, ledger, reporter),
    );

    let verify: VerifyResult | undefined;
    if (options.verify) {
      verify = await clock.run('Verify boot', () =>
        verifyImage({
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

/** Undoes what is still recorded: after success only the temporary folder, after a failure everything. */
async function undoEverything(ledger: Ledger, reporter: Reporter): Promise<void> {
  await ledger.undoAll(buildUndoers, (resource, error) =>
    reporter.warning(
      `Could not remove ${resource.kind} ${resource.label ?? resource.id}: ${errorMessage(error)}`,
    ),
  );
}

/** Runs one script as root, streaming its output; a failure names the step. */
async function runStep(session: SshSession, step: ProvisionStep, reporter: Reporter): Promise<void> {
  const out = new LineSink((line) => reporter.relay(line));
  const err = new LineSink((line) => reporter.relay(line));
  const started = Date.now();
  try {
    await session.runScript(step.script, { sudo: true, onStdout: out.write, onStderr: err.write });
  } catch (error) {
    if (error instanceof CommandError) {
      throw new CommandError(step.name, error.exitCode, error.outputTail, 'in the build VM');
    }
    throw error;
  } finally {
    out.flush();
    err.flush();
  }
  reporter.info(`${step.name}: done in ${formatDuration(Date.now() - started)}`);
}

function checkSealResult(
  sealed: { poweredOff: boolean; serial: string },
  serialLog: string,
  shutdownTimeout: number,
  reporter: Reporter,
): void {
  const failed = new RegExp(`${SEAL_FAILED} ([^\\r\\n]*)`).exec(sealed.serial);
  if (failed) {
    throw new CommandError(
      'seal',
      null,
      serialLogTail(serialLog),
      `the last sealing step failed: ${failed[1]}`,
    );
  }
  if (!sealed.poweredOff) {
    throw new CommandError(
      'seal',
      null,
      serialLogTail(serialLog),
      `the VM did not power off within ${shutdownTimeout} s (shutdown-timeout), so sealing may be incomplete`,
    );
  }
  for (const note of sealed.serial.matchAll(new RegExp(`${SEAL_NOTE} ([^\\r\\n]*)`, 'g'))) {
    reporter.warning(`Sealing: ${note[1] ?? ''}`);
  }
  if (!sealed.serial.includes(SEAL_OK)) {
    reporter.warning(
      'The VM powered off, but its serial console did not confirm the last sealing step (the image may not log to ttyS0).',
    );
  }
}

/** The options that shape the image, for the manifest (no secrets: those are per instance anyway). */
function manifestSettings(options: BuildImageOptions): Record<string, unknown> {
  return {
    imageName: options.imageName,
    diskSizeMiB: options.diskSize,
    recipe: options.recipe,
    ...(options.recipe === 'indico'
      ? {
          serverHostname: options.serverHostname,
          webServer: options.webServer,
          installIndico: options.installIndico,
          indicoVersion: options.indicoVersion,
        }
      : {}),
    provisionScripts: options.provisionScript.map((path) => basename(path)),
    files: options.files.map((entry) => entry.slice(entry.indexOf(':/') + 1)),
    formats: options.formats,
    compression: options.compression,
    memoryMiB: options.memory,
    cpus: options.cpus,
  };
}

export type { BaseImage };
