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
}

export interface TaskOutcome {
  /** Files and services changed; empty when the task found everything as asked. */
  readonly changed: readonly string[];
  /** One line for the summary table. */
  readonly note: string;
  readonly stdout?: string;
  readonly status?: Record<string, unknown>;
  readonly backupPath?: string;
  readonly logsPath?: string;
  readonly health?: Record<string, unknown>;
}

export type Task = (ctx: TaskContext) => Promise<TaskOutcome>;
