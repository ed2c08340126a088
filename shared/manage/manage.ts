import { ConfigurationError, errorMessage } from '../errors.js';
import type { Reporter } from '../report/reporter.js';
import { kebab } from '../options/names.js';
import {
  connect,
  SshConnectionLostError,
  sshConnectOptions,
  type SshConnectOptions,
  type SshSession,
} from '../ssh/index.js';
import type { ManageOptions } from './options.js';
import { readHostFacts, type HostFacts } from './remote/host-facts.js';
import { manageSummary, skippedRow, summaryRow } from './summary.js';
import {
  productsOf,
  type ArtifactUploader,
  type TaskContext,
  type TaskOutcome,
  type TaskProducts,
} from './task.js';
import { wheelhouseSource } from '../recipe/wheelhouse.js';
import { TASKS } from './tasks/index.js';
import { checkedTls } from './tasks/load-ssl.js';
import { RunScriptError } from './tasks/run.js';

export type { ManageOptions } from './options.js';

/**
 * `manage`: one verified SSH connection, the tasks run on it in the order given. Each task reads what
 * is on the VM, changes only what differs (so a second run changes nothing) and says what it changed.
 */
export interface ManageResult extends TaskProducts {
  /** Per task, the files and services it changed; tasks that changed nothing are left out. */
  readonly changed: Record<string, readonly string[]>;
}

export interface ManageDeps {
  /** Uploads workflow artifacts (actions only); without it, upload-backup is a configuration error. */
  readonly uploadArtifact?: ArtifactUploader;
  /** Receives what the tasks produced, also when one failed (the action sets its outputs from it). */
  readonly onResult?: (result: ManageResult) => void;
  /** Opens the SSH session (a fleet passes one that goes through its shared jump host). */
  readonly connect?: (options: SshConnectOptions, reporter: Reporter) => Promise<SshSession>;
}

/** What each task needs beyond the connection, checked for the whole list before connecting. */
const TASK_NEEDS: Readonly<Record<string, readonly (keyof ManageOptions)[]>> = {
  'load-ssl': ['sslCert', 'sslKey'],
  'update-server': ['serverName'],
  'update-redis': ['redisPassword'],
  'update-smtp': ['smtpServer'],
  config: ['sslCert', 'sslKey', 'serverName', 'redisPassword', 'smtpServer'],
  run: ['script'],
};

export function checkManageOptions(options: ManageOptions, deps: ManageDeps = {}): void {
  const problems: string[] = [];
  if (options.uploadBackup) {
    if (!(options.tasks ?? []).includes('backup')) {
      problems.push("upload-backup uploads the tarball of the backup task: add 'backup' to tasks.");
    }
    if (!deps.uploadArtifact) {
      problems.push(
        'upload-backup uploads a workflow artifact, so it works in action-manage only: here the tarball stays in backup-dir.',
      );
    }
  }
  if (!options.host) {
    problems.push("Missing option 'host': the address of the VM (output address of action-deploy).");
  }
  if (!options.tasks || options.tasks.length === 0) {
    problems.push(
      "Missing option 'tasks': say which tasks to run, e.g. tasks: load-ssl,update-server,restart.",
    );
  }
  if (!options.sshKey && !options.sshPassword && !process.env.SSH_AUTH_SOCK) {
    problems.push("No SSH credentials: set 'ssh-key' (preferred) or 'ssh-password', or run an ssh-agent.");
  }
  if (
    !options.hostKeys &&
    options.fingerprint.length === 0 &&
    !options.knownHosts &&
    !options.insecureAcceptHostKey
  ) {
    problems.push(
      "The host key cannot be verified: set 'host-keys' (output of action-deploy), 'fingerprint' or 'known-hosts' " +
        "('insecure-accept-host-key: true' accepts any key, for first contact only).",
    );
  }
  if (options.proxyHost && !options.proxySshKey && !options.sshKey && !process.env.SSH_AUTH_SOCK) {
    problems.push(
      "The jump host needs a key: set 'proxy-ssh-key', or 'ssh-key' (used for both hops when proxy-ssh-key is empty), or run an ssh-agent.",
    );
  }
  for (const task of options.tasks ?? []) {
    for (const key of TASK_NEEDS[task] ?? []) {
      if (options[key] === undefined || options[key] === '') {
        problems.push(`Task '${task}' needs option '${kebab(key)}'.`);
      }
    }
  }
  if (options.pythonWheelhouse !== undefined && (options.tasks ?? []).includes('upgrade')) {
    try {
      wheelhouseSource(options.pythonWheelhouse, process.cwd());
    } catch (error) {
      problems.push(errorMessage(error));
    }
  }
  const movesPorts = (options.tasks ?? []).some((task) => task === 'update-server' || task === 'config');
  if (movesPorts && options.httpPort === options.httpsPort) {
    problems.push(`http-port and https-port must differ (both are ${options.httpPort}).`);
  }
  if (problems.length > 0) {
    throw new ConfigurationError([...new Set(problems)].join('\n'));
  }
}

/**
 * Tasks that are not started again after a dropped connection: `run` executes the user's own script,
 * which may not be safe to repeat. Every other task reads what is on the VM and changes only what
 * differs, so starting it again finishes what the lost connection interrupted.
 */
const NOT_REPEATABLE = new Set(['run']);

/** Runs one task; when the connection drops, reconnects (same pinned host key) and runs it once more. */
async function runRepeatingOnDrop(task: string, ctx: TaskContext, session: SshSession): Promise<TaskOutcome> {
  try {
    return await TASKS[task]!(ctx);
  } catch (error) {
    if (!(error instanceof SshConnectionLostError)) {
      throw error;
    }
    if (NOT_REPEATABLE.has(task)) {
      throw new Error(
        `The SSH connection to ${session.where} dropped during task '${task}'; it is not run again by itself ` +
          'because the script may not be safe to repeat. Check the VM, then run the task again.',
        { cause: error },
      );
    }
    ctx.reporter.warning(
      `The SSH connection to ${session.where} dropped during task '${task}'; reconnecting and running it ` +
        'again (it changes only what differs from what is asked).',
    );
    await session.reconnect();
    return TASKS[task]!({ ...ctx, resumed: true });
  }
}

export async function manage(
  options: ManageOptions,
  reporter: Reporter,
  deps: ManageDeps = {},
): Promise<ManageResult> {
  checkManageOptions(options, deps);
  const tasks = options.tasks ?? [];
  // A certificate that cannot work (wrong key, incomplete chain) stops the run before any task
  // before load-ssl has changed the VM.
  if (tasks.some((task) => task === 'load-ssl' || task === 'config')) checkedTls(options);
  const session = await (deps.connect ?? connect)(
    sshConnectOptions(options, process.env.SSH_AUTH_SOCK),
    reporter,
  );
  let facts: Promise<HostFacts> | undefined;
  const ctx: TaskContext = {
    session,
    options,
    reporter,
    // A read cut short (a dropped connection) is not kept: the task's second run reads again.
    facts: () =>
      (facts ??= readHostFacts(session).catch((error: unknown) => {
        facts = undefined;
        throw error;
      })),
    now: new Date(),
    ...(deps.uploadArtifact ? { uploadArtifact: deps.uploadArtifact } : {}),
  };
  const changed: Record<string, string[]> = {};
  const rows: string[][] = [];
  let result: Omit<ManageResult, 'changed'> = {};
  const merge = (outcome: TaskProducts): void => {
    result = { ...result, ...productsOf(outcome) };
  };
  try {
    for (const [index, task] of tasks.entries()) {
      let outcome: TaskOutcome;
      try {
        outcome = await reporter.group(`${task} on ${session.where}`, () =>
          runRepeatingOnDrop(task, ctx, session),
        );
      } catch (error) {
        if (error instanceof RunScriptError) merge(error.output);
        rows.push(summaryRow(task, undefined, error));
        rows.push(...tasks.slice(index + 1).map((skipped) => skippedRow(skipped, task)));
        throw error;
      }
      rows.push(summaryRow(task, outcome));
      reporter.info(
        `${task}: ${outcome.changed.length > 0 ? `changed ${outcome.changed.join(', ')}` : outcome.note}`,
      );
      if (outcome.changed.length > 0) {
        changed[task] = [...(changed[task] ?? []), ...outcome.changed];
      }
      merge(outcome);
    }
  } finally {
    deps.onResult?.({ changed, ...result });
    reporter.summary(manageSummary(session.where, rows));
    await session.close();
  }
  return { changed, ...result };
}
