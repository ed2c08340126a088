/**
 * One qemu process: started detached with a pidfile and a monitor socket, recorded in the Ledger as soon
 * as it runs (so a post step or a finally can kill it after a crash), and stopped in escalating steps.
 *
 * Over 300 lines: starting one qemu, knowing it runs (pidfile, monitor) and stopping it in escalating
 * steps, including from a post step that only has the ledger's record, are one process's life.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CreatedResource, Ledger } from '../cleanup/ledger.js';
import { CommandError } from '../errors.js';
import type { Reporter } from '../report/reporter.js';
import { commandLine } from '../shell/quote.js';
import { qemuArgv, type PortForward, type QemuMachineSpec } from './argv.js';
import { freeLoopbackPort } from './ports.js';
import { waitFor, WaitTimeoutError } from '../wait.js';

export const QEMU_RESOURCE = 'qemu-process';

const START_ATTEMPTS = 5;
const PIDFILE_WAIT_MS = 15_000;
/** qemu fails on a taken hostfwd port during startup; a process alive this long got its ports. */
const STARTUP_GRACE_MS = 1500;
const QUIT_WAIT_MS = 10_000;

export interface QemuStartOptions {
  readonly machine: Omit<QemuMachineSpec, 'forwards'>;
  /** Guest ports to forward from free host ports picked here (retried if qemu loses the race). */
  readonly guestPorts?: readonly number[];
  /** Fixed forwards (run-image): a taken port is an error rather than retried. */
  readonly fixedForwards?: readonly PortForward[];
  /** qemu's own stderr goes here. */
  readonly stderrFile: string;
  readonly label: string;
}

export class QemuProcess {
  readonly #exited: Promise<void>;
  #exitCode: number | null | undefined;

  constructor(
    child: ChildProcess,
    readonly pid: number,
    readonly forwards: readonly PortForward[],
    readonly spec: Omit<QemuMachineSpec, 'forwards'>,
    readonly stderrFile: string,
    private readonly ledger: Ledger,
  ) {
    this.#exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        this.#exitCode = child.exitCode;
        resolve();
        return;
      }
      child.once('exit', (code) => {
        this.#exitCode = code;
        resolve();
      });
    });
  }

  /** Host port forwarded to a guest port. */
  hostPort(guestPort: number): number {
    const forward = this.forwards.find((f) => f.guestPort === guestPort);
    if (!forward) {
      throw new Error(`guest port ${guestPort} is not forwarded`);
    }
    return forward.hostPort;
  }

  get running(): boolean {
    return this.#exitCode === undefined;
  }

  get exitCode(): number | null | undefined {
    return this.#exitCode;
  }

  stderr(): string {
    try {
      return readFileSync(this.stderrFile, 'utf8').trim();
    } catch {
      return '';
    }
  }

  /** Resolves true when qemu has exited within ms. */
  async waitForExit(ms: number): Promise<boolean> {
    if (!this.running) {
      return true;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const result = await Promise.race([this.#exited.then(() => true), timeout]);
    clearTimeout(timer);
    return result;
  }

  /**
   * Stops qemu: the graceful step (a poweroff in the guest) if given, waiting up to timeoutMs, then
   * `quit` on the monitor, then SIGKILL. Returns how it ended.
   */
  async stop(
    reporter: Reporter,
    graceful?: () => Promise<void>,
    timeoutMs = 60_000,
  ): Promise<'poweroff' | 'quit' | 'killed' | 'exited'> {
    let how: 'poweroff' | 'quit' | 'killed' | 'exited' = 'exited';
    if (this.running && graceful) {
      try {
        await graceful();
      } catch (error) {
        reporter.debug(`Graceful shutdown of ${this.spec.disk} failed: ${(error as Error).message}`);
      }
      how = 'poweroff';
      if (!(await this.waitForExit(timeoutMs))) {
        reporter.warning(`The VM did not power off within ${Math.round(timeoutMs / 1000)} s; stopping qemu.`);
        how = 'quit';
      }
    } else if (this.running) {
      how = 'quit';
    }
    if (this.running) {
      await monitorQuit(this.spec.monitorSocket).catch(() => undefined);
      if (!(await this.waitForExit(QUIT_WAIT_MS))) {
        how = 'killed';
        killQuietly(this.pid);
        await this.waitForExit(QUIT_WAIT_MS);
      }
    }
    this.ledger.release(QEMU_RESOURCE, String(this.pid));
    return how;
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Sends `quit` to a qemu human monitor socket. */
export function monitorQuit(socket: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const connection = createConnection(socket);
    const timer = setTimeout(() => {
      connection.destroy();
      reject(new Error('no answer on the qemu monitor'));
    }, 5000);
    connection.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    connection.on('connect', () => connection.write('quit\n'));
    connection.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function waitForPidFile(child: ChildProcess, pidFile: string): Promise<number | undefined> {
  try {
    return await waitFor(
      `qemu's pid file ${pidFile}`,
      { timeoutMs: PIDFILE_WAIT_MS, pollMs: 100 },
      async () => {
        if (child.exitCode !== null || child.signalCode !== null) {
          return null;
        }
        const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : NaN;
        return Number.isInteger(pid) && pid > 0 ? pid : undefined;
      },
    ).then((pid) => pid ?? undefined);
  } catch (error) {
    // No pid file in time: the child's own pid is the next best thing to kill.
    if (error instanceof WaitTimeoutError) return child.pid;
    throw error;
  }
}

function exitedSoon(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve(true);
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, ms);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

/** Starts qemu, retrying with other ports when a forward's port was taken in the meantime. */
export async function startQemu(
  options: QemuStartOptions,
  ledger: Ledger,
  reporter: Reporter,
): Promise<QemuProcess> {
  const attempts = options.fixedForwards ? 1 : START_ATTEMPTS;
  let lastError = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const forwards: PortForward[] = options.fixedForwards
      ? [...options.fixedForwards]
      : await Promise.all(
          (options.guestPorts ?? []).map(async (guestPort) => ({
            hostPort: await freeLoopbackPort(),
            guestPort,
          })),
        );
    const argv = qemuArgv({ ...options.machine, forwards });
    reporter.debug(`Starting ${options.label}: ${commandLine(argv)}`);
    const stderrFd = openSync(options.stderrFile, 'w');
    let child: ChildProcess;
    try {
      // Its own process group: a Ctrl-C in the terminal reaches us, and we stop the VM in order.
      child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', 'ignore', stderrFd] });
    } finally {
      closeSync(stderrFd);
    }
    const spawnError = await new Promise<Error | undefined>((resolve) => {
      child.once('error', resolve);
      child.once('spawn', () => resolve(undefined));
    });
    if (spawnError) {
      throw new CommandError(
        commandLine(argv.slice(0, 1)),
        null,
        '',
        (spawnError as NodeJS.ErrnoException).code === 'ENOENT'
          ? `${argv[0]} is not installed (apt-get install qemu-system-x86) or not on PATH`
          : spawnError.message,
      );
    }
    const record = (id: number): void =>
      ledger.record({
        kind: QEMU_RESOURCE,
        id: String(id),
        label: options.label,
        detail: { pidFile: options.machine.pidFile, monitor: options.machine.monitorSocket },
      } satisfies CreatedResource);
    // In the ledger from the moment it runs: a signal while qemu writes its pid file must find it.
    if (child.pid !== undefined) record(child.pid);
    const pid = (await waitForPidFile(child, options.machine.pidFile)) ?? child.pid;
    if (child.pid !== undefined && pid !== child.pid) {
      ledger.release(QEMU_RESOURCE, String(child.pid));
      if (pid !== undefined && child.exitCode === null && child.signalCode === null) record(pid);
    }
    const qemu = new QemuProcess(child, pid ?? 0, forwards, options.machine, options.stderrFile, ledger);
    if (!(await exitedSoon(child, STARTUP_GRACE_MS))) {
      reporter.info(
        `${options.label}: qemu pid ${qemu.pid}` +
          (forwards.length
            ? `, ${forwards.map((f) => `127.0.0.1:${f.hostPort} → ${f.guestPort}`).join(', ')}`
            : ''),
      );
      return qemu;
    }
    ledger.release(QEMU_RESOURCE, String(qemu.pid));
    lastError = qemu.stderr();
    if (
      !/hostfwd|host forwarding|Could not set up host forwarding/i.test(lastError) ||
      options.fixedForwards
    ) {
      throw new CommandError(commandLine(argv), child.exitCode, lastError, 'qemu exited during startup');
    }
    reporter.debug(`A forwarded port was taken (attempt ${attempt}), trying other ports.`);
  }
  throw new CommandError(options.machine.binary, null, lastError, `no free ports after ${attempts} attempts`);
}

/** The ledger undoer: kills a recorded qemu, but only if that pid is still a qemu (pids are reused). */
export async function killRecordedQemu(resource: CreatedResource): Promise<void> {
  const pid = Number(resource.id);
  const pidFile = typeof resource.detail?.pidFile === 'string' ? resource.detail.pidFile : undefined;
  const alive = (): boolean => isQemu(pid, pidFile);
  if (!Number.isInteger(pid) || pid <= 0 || !alive()) {
    return;
  }
  const monitor = resource.detail?.monitor;
  if (typeof monitor === 'string') {
    await monitorQuit(monitor).catch(() => undefined);
    for (let i = 0; i < 50 && alive(); i++) {
      await sleep(100);
    }
  }
  if (alive()) {
    killQuietly(pid);
    for (let i = 0; i < 50 && alive(); i++) {
      await sleep(100);
    }
  }
  if (alive()) {
    throw new Error(`qemu pid ${pid} is still running after SIGKILL`);
  }
}

/**
 * Whether pid is still the qemu we started: its program is a qemu and, when known, it was given our
 * pidfile (a reused pid, or any process with "qemu" in a path, must never be killed).
 */
function isQemu(pid: number, pidFile?: string): boolean {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // A zombie (state Z) is gone for our purposes: its parent just has not reaped it yet.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    const program = (args[0] ?? '').split('/').pop() ?? '';
    return program.startsWith('qemu') && (pidFile === undefined || args.includes(pidFile)) && state !== 'Z';
  } catch {
    return false;
  }
}
