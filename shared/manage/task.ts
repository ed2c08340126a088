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

export interface TaskOutcome extends TaskProducts {
  /** Files and services changed; empty when the task found everything as asked. */
  readonly changed: readonly string[];
  /** One line for the summary table. */
  readonly note: string;
}

/** What a task may produce besides its changes; a run's result gathers them (the outputs of manage). */
export interface TaskProducts {
  /** Standard output of the run task (also when it failed). */
  readonly stdout?: string;
  /** Standard error of the run task (also when it failed). */
  readonly stderr?: string;
  /** Exit code of the run task's script. */
  readonly exitCode?: number;
  /** Per component: is-active, is-enabled, and the same per unit. */
  readonly status?: Record<string, unknown>;
  /** Local path of the backup tarball. */
  readonly backupPath?: string;
  /** ID of the workflow artifact holding the backup tarball (upload-backup). */
  readonly backupArtifactId?: number;
  /** Local path of the fetched journal. */
  readonly logsPath?: string;
  /** The HTTPS probe of BASE_URL. */
  readonly health?: Record<string, unknown>;
}

export const TASK_PRODUCTS = [
  'stdout',
  'stderr',
  'exitCode',
  'status',
  'backupPath',
  'backupArtifactId',
  'logsPath',
  'health',
] as const satisfies readonly (keyof TaskProducts)[];

/** The products an outcome has, without the rest of it. */
export function productsOf(outcome: TaskProducts): TaskProducts {
  return Object.fromEntries(
    TASK_PRODUCTS.flatMap((key) => (outcome[key] !== undefined ? [[key, outcome[key]]] : [])),
  ) as TaskProducts;
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
