import type { Reporter } from '../report/reporter.js';
import type { SshSession } from '../ssh/index.js';
import type { ManageOptions } from './options.js';
import type { HostFacts } from './remote/host-facts.js';

/** What every task gets: the one verified session, the options, and the facts read once from the VM. */
export interface TaskContext {
  readonly session: SshSession;
  readonly options: ManageOptions;
  readonly reporter: Reporter;
  /** Read on first use (a task like `run` must work on any host). */
  readonly facts: () => Promise<HostFacts>;
  readonly now: Date;
  /** Uploads files as a workflow artifact (action-manage only); see ManageDeps. */
  readonly uploadArtifact?: ArtifactUploader;
  /**
   * The task runs again because the SSH connection dropped during its first attempt. What that attempt
   * changed is unknown (a file may be written and its service not yet restarted), so the services are
   * restarted as if every file had changed.
   */
  readonly resumed?: boolean;
}

/**
 * Uploads files (under rootDir) as a workflow artifact named `name`; resolves to its id, or to
 * undefined when the runner cannot take artifacts (the uploader says so itself).
 */
export type ArtifactUploader = (
  name: string,
  files: readonly string[],
  rootDir: string,
) => Promise<number | undefined>;

export interface TaskOutcome {
  /** Files and services changed; empty when the task found everything as asked. */
  readonly changed: readonly string[];
  /** One line for the summary table. */
  readonly note: string;
  readonly stdout?: string;
  readonly stderr?: string;
  readonly exitCode?: number;
  readonly status?: Record<string, unknown>;
  readonly backupPath?: string;
  readonly backupArtifactId?: number;
  readonly logsPath?: string;
  readonly health?: Record<string, unknown>;
}

export type Task = (ctx: TaskContext) => Promise<TaskOutcome>;

/** Whether the files `which` selects changed, or may have in an attempt a dropped connection cut short. */
export function mustApply(
  ctx: TaskContext,
  changed: readonly string[],
  which: (path: string) => boolean,
): boolean {
  return ctx.resumed === true || changed.some(which);
}
