/** run-image: boot an image on a throwaway overlay with SSH, HTTP and HTTPS forwarded to 127.0.0.1. */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Ledger } from '../cleanup/ledger.js';
import { ConfigurationError, errorMessage } from '../errors.js';
import type { Values } from '../options/kinds.js';
import type { runImageCommand } from '../options/commands.js';
import { chooseAccelerator, type HostFacts } from '../qemu/accelerator.js';
import { createOverlay, imageInfo } from '../qemu/img.js';
import { killRecordedQemu, QEMU_RESOURCE } from '../qemu/process.js';
import { loopbackPortIsFree } from '../qemu/ports.js';
import type { Reporter } from '../report/reporter.js';
import { commandLine } from '../shell/quote.js';
import { bootVm, machineSettings, waitForSsh, writeSeed } from './vm.js';
import { waitForCloudInit } from './cloud-init-wait.js';

type RunImageOptions = Values<typeof runImageCommand.options>;

const RUN_USER = 'indicovm';
/** Starts the message that says the VM answers SSH (scripts and tests wait for it). */
export const READY_LINE = 'The VM is ready.';

export interface RunImageDeps {
  readonly hostFacts?: HostFacts;
  readonly tempRoot?: string;
  /** Resolves when the VM should be stopped (default: SIGINT or SIGTERM). */
  readonly stopSignal?: Promise<void>;
}

function signalled(): { promise: Promise<void>; dispose: () => void } {
  let dispose = (): void => undefined;
  const promise = new Promise<void>((resolvePromise) => {
    const handler = (): void => resolvePromise();
    process.once('SIGINT', handler);
    process.once('SIGTERM', handler);
    dispose = () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    };
  });
  return { promise, dispose };
}

/**
 * The image itself is never written: the VM runs on an overlay in a temporary folder, removed when qemu
 * stops (a poweroff in the guest, or Ctrl-C here). A fresh seed adds a login for this run only.
 */
export async function runImage(
  options: RunImageOptions,
  reporter: Reporter,
  deps: RunImageDeps = {},
): Promise<void> {
  if (!options.image) {
    throw new ConfigurationError("Missing option 'image': the path of the image to boot.");
  }
  const image = resolve(options.image);
  if (!existsSync(image)) {
    throw new ConfigurationError(`Option 'image': ${image} does not exist.`);
  }
  const forwards = [
    { hostPort: options.forwardSshPort, guestPort: 22 },
    { hostPort: options.forwardHttpPort, guestPort: options.httpPort },
    { hostPort: options.forwardHttpsPort, guestPort: options.httpsPort },
  ];
  for (const forward of forwards) {
    if (!(await loopbackPortIsFree(forward.hostPort))) {
      throw new ConfigurationError(
        `Port 127.0.0.1:${forward.hostPort} (for the guest's port ${forward.guestPort}) is in use; choose another with the forward-*-port options.`,
      );
    }
  }
  const accelerator = chooseAccelerator(options.accelerator, reporter, deps.hostFacts);
  const info = await imageInfo(image);
  const workDir = mkdtempSync(join(deps.tempRoot ?? tmpdir(), 'indicovm-run-'));
  const ledger = new Ledger(`${workDir}.ledger.json`);
  const stop = deps.stopSignal ? { promise: deps.stopSignal, dispose: () => undefined } : signalled();
  try {
    const overlay = join(workDir, 'disk.qcow2');
    await createOverlay(image, info.format, overlay, info.virtualSize);
    const { seed, seedFile } = writeSeed(workDir, options.seedName, {
      hostname: 'indicovm-run',
      buildUser: RUN_USER,
    });
    const keyFile = join(workDir, 'id_ed25519');
    writeFileSync(keyFile, seed.buildKey.privateKey.reveal(), { mode: 0o600 });
    const knownHosts = join(workDir, 'known_hosts');
    writeFileSync(knownHosts, `[127.0.0.1]:${options.forwardSshPort} ${seed.hostKey.publicKey}\n`);
    const serialLog = join(workDir, 'serial.log');
    const machine = machineSettings(options, accelerator);
    const qemu = await bootVm(
      { name: 'run', workDir, disk: overlay, seed, seedFile, serialLog, machine },
      ledger,
      reporter,
      { fixed: forwards },
    );
    const ssh = commandLine([
      'ssh',
      '-i',
      keyFile,
      '-p',
      String(options.forwardSshPort),
      '-o',
      `UserKnownHostsFile=${knownHosts}`,
      // The host key is known before the first connection: anything else is refused, not asked about.
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'IdentitiesOnly=yes',
      `${RUN_USER}@127.0.0.1`,
    ]);
    reporter.info(
      `The VM is booting (${accelerator}); serial console: ${serialLog}. ` +
        `Waiting up to ${options.sshTimeout} s for SSH (Ctrl-C stops the VM).`,
    );
    // A login with the seeded host key, as the build does: an open port proves nothing under qemu.
    // Ready once cloud-init is done too: until then it may still restart sshd or set up the user, and
    // a login with the printed command could be cut off.
    const ready = waitForSsh(qemu, seed, serialLog, options.sshTimeout * 1000, reporter, 'image').then(
      async (session) => {
        try {
          await waitForCloudInit(session, reporter, serialLog);
        } finally {
          await session.close();
        }
        return 'ready' as const;
      },
    );
    // Stopped while waiting: the wait then fails on the stopped qemu, which is no news.
    ready.catch(() => undefined);
    const first = await Promise.race([stop.promise.then(() => 'signal' as const), ready]);
    if (first === 'ready') {
      reporter.info(
        [
          `${READY_LINE} SSH: ${ssh}`,
          `Forwarded ports: 127.0.0.1:${options.forwardSshPort} → 22, ` +
            `127.0.0.1:${options.forwardHttpPort} → ${options.httpPort}, ` +
            `127.0.0.1:${options.forwardHttpsPort} → ${options.httpsPort} ` +
            `(http://127.0.0.1:${options.forwardHttpPort}/, https://127.0.0.1:${options.forwardHttpsPort}/)`,
          'Press Ctrl-C to stop the VM (its overlay is discarded).',
        ].join('\n'),
      );
    }
    const stopped =
      first === 'signal'
        ? first
        : await Promise.race([
            stop.promise.then(() => 'signal' as const),
            qemu.waitForExit(2 ** 31 - 1).then(() => 'exited' as const),
          ]);
    if (stopped === 'signal') {
      reporter.info('Stopping the VM.');
      await qemu.stop(reporter);
    } else {
      ledger.release(QEMU_RESOURCE, String(qemu.pid));
      reporter.info(`qemu exited with status ${qemu.exitCode ?? 'unknown'}.`);
    }
  } finally {
    stop.dispose();
    await ledger.undoAll({ [QEMU_RESOURCE]: killRecordedQemu }, (resource, error) =>
      reporter.warning(`Could not stop ${resource.label ?? resource.id}: ${errorMessage(error)}`),
    );
    rmSync(workDir, { recursive: true, force: true });
    rmSync(ledger.file, { force: true });
  }
}
