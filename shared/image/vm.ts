/** Booting a disk with a NoCloud seed and reaching it over SSH: shared by the build, its verify boot and run-image. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Ledger } from '../cleanup/ledger.js';
import { renderNoCloudSeed, type NoCloudSeed } from '../cloudinit/seed.js';
import { CommandError, errorMessage } from '../errors.js';
import type { Accelerator } from '../qemu/accelerator.js';
import { startQemu, type QemuProcess } from '../qemu/process.js';
import { consoleDetail, serialLogTail } from '../qemu/serial.js';
import { withProgress } from '../report/progress.js';
import type { Reporter } from '../report/reporter.js';
import { connect, HostKeyMismatchError, type SshSession } from '../ssh/index.js';

export interface MachineSettings {
  readonly binary: string;
  readonly accelerator: Accelerator;
  readonly memory: number;
  readonly cpus: number;
  readonly extraArgs: readonly string[];
}

/** The qemu settings a build, its verify boot and run-image take from their options. */
export function machineSettings(
  options: {
    readonly qemuBinary: string;
    readonly memory: number;
    readonly cpus: number;
    readonly qemuArgs: readonly string[];
  },
  accelerator: Accelerator,
): MachineSettings {
  return {
    binary: options.qemuBinary,
    accelerator,
    memory: options.memory,
    cpus: options.cpus,
    extraArgs: options.qemuArgs,
  };
}

/** A seed written next to the disk: what writeSeed returns, and what a boot needs of it. */
export interface WrittenSeed {
  readonly seed: NoCloudSeed;
  readonly seedFile: string;
}

export interface BootRequest extends WrittenSeed {
  readonly name: string;
  readonly workDir: string;
  readonly disk: string;
  /** qcow2 unless said otherwise: every boot here is of an overlay. */
  readonly diskFormat?: string;
  readonly serialLog: string;
  readonly machine: MachineSettings;
}

export function writeSeed(
  workDir: string,
  fileName: string,
  options: Parameters<typeof renderNoCloudSeed>[0],
): WrittenSeed {
  const seed = renderNoCloudSeed(options);
  const seedFile = join(workDir, fileName);
  // It holds the host private key and the password hash.
  writeFileSync(seedFile, seed.iso, { mode: 0o600 });
  return { seed, seedFile };
}

export async function bootVm(
  request: BootRequest,
  ledger: Ledger,
  reporter: Reporter,
  forwards: { guestPorts?: readonly number[]; fixed?: readonly { hostPort: number; guestPort: number }[] },
): Promise<QemuProcess> {
  writeFileSync(request.serialLog, '');
  return startQemu(
    {
      machine: {
        binary: request.machine.binary,
        accelerator: request.machine.accelerator,
        memory: request.machine.memory,
        cpus: request.machine.cpus,
        disk: request.disk,
        diskFormat: request.diskFormat ?? 'qcow2',
        seed: request.seedFile,
        serialLog: request.serialLog,
        pidFile: join(request.workDir, `${request.name}.pid`),
        monitorSocket: join(request.workDir, `${request.name}.monitor`),
        extraArgs: request.machine.extraArgs,
      },
      ...(forwards.guestPorts ? { guestPorts: forwards.guestPorts } : {}),
      ...(forwards.fixed ? { fixedForwards: forwards.fixed } : {}),
      stderrFile: join(request.workDir, `${request.name}.qemu.log`),
      label: `${request.name} VM`,
    },
    ledger,
    reporter,
  );
}

/** The failure of a VM that never answered: says why and shows the end of its serial console. */
export class VmNotReachableError extends CommandError {
  override readonly name = 'VmNotReachableError';
}

/**
 * Readiness is "an SSH login with the pinned host key works", not an open port: qemu's user network
 * accepts TCP long before sshd runs. Retries until the deadline; a wrong host key ends it at once.
 */
export async function waitForSsh(
  qemu: QemuProcess,
  seed: NoCloudSeed,
  serialLog: string,
  timeoutMs: number,
  reporter: Reporter,
  /** The option that named the disk, for the hint when nothing booted. */
  imageOption = 'base-image',
): Promise<SshSession> {
  const port = qemu.hostPort(22);
  const progress = {
    label: `Waiting for SSH on 127.0.0.1:${port}`,
    unit: 'time' as const,
    detail: () => consoleDetail(serialLog),
  };
  return withProgress(reporter, progress, () =>
    sshWhenReady(qemu, seed, serialLog, port, timeoutMs, reporter, imageOption),
  );
}

async function sshWhenReady(
  qemu: QemuProcess,
  seed: NoCloudSeed,
  serialLog: string,
  port: number,
  timeoutMs: number,
  reporter: Reporter,
  imageOption: string,
): Promise<SshSession> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  let lastError = 'no attempt finished';
  for (;;) {
    const remaining = deadline - Date.now();
    if (!qemu.running) {
      throw new VmNotReachableError(
        'qemu',
        qemu.exitCode ?? null,
        serialLogTail(serialLog),
        `qemu exited before SSH answered (${qemu.stderr() || 'no message'}). Last lines of the serial console (${serialLog})`,
      );
    }
    if (remaining <= 0) {
      const consoleTail = serialLogTail(serialLog);
      const hint = /^\(the serial log is empty\)$|^\(no serial log\)$/.test(consoleTail)
        ? ' Nothing was written to the serial console: the disk did not boot an operating system that logs to ttyS0 ' +
          `(is ${imageOption} a bootable cloud image?).`
        : '';
      throw new VmNotReachableError(
        `ssh ${seed.buildUser}@127.0.0.1 -p ${port}`,
        null,
        consoleTail,
        `the VM did not answer SSH within ${Math.round(timeoutMs / 1000)} s (last error: ${lastError}).${hint} ` +
          `Last lines of the serial console (${serialLog})`,
      );
    }
    try {
      const session = await connect(
        {
          host: '127.0.0.1',
          port,
          username: seed.buildUser,
          privateKey: seed.buildKey.privateKey,
          hostKeys: seed.hostKey.publicKey,
          connectTimeoutMs: Math.max(5000, Math.min(20_000, remaining)),
          retry: { attempts: 1 },
        },
        reporter,
      );
      return session;
    } catch (error) {
      if (error instanceof HostKeyMismatchError) {
        throw error;
      }
      lastError = errorMessage(error).split('\n')[0] ?? '';
      reporter.debug(`SSH not ready yet: ${lastError}`);
    }
    await sleep(Math.min(2000, Math.max(0, deadline - Date.now())));
  }
}

/** Streams a command's output to the reporter line by line. */
export class LineSink {
  #partial = '';
  constructor(private readonly emit: (line: string) => void) {}

  write = (text: string): void => {
    const lines = (this.#partial + text).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) {
      this.emit(line.replace(/\r$/, ''));
    }
  };

  flush(): void {
    if (this.#partial) {
      this.emit(this.#partial);
      this.#partial = '';
    }
  }
}
