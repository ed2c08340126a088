/**
 * What a fleet run gives back, apart from the code that runs it: the CLI reports a FleetError's
 * results without loading SSH and the tasks for its other commands.
 */
import type { ManageResult } from './manage.js';

export interface FleetHost {
  readonly host: string;
  readonly port: number;
  /** host:port, [v6]:port: how logs, the summary and results name it. */
  readonly name: string;
}

export type HostOutcome = 'ok' | 'failed' | 'unreachable' | 'host-key-mismatch' | 'skipped';

export interface HostResult extends Omit<ManageResult, 'changed'> {
  readonly host: string;
  /** How the host's run ended (`status` is the status task's output, as in a one-host run). */
  readonly outcome: HostOutcome;
  readonly tasks: readonly string[];
  readonly changed: ManageResult['changed'];
  readonly error?: string;
  readonly seconds: number;
}

export interface FleetResult {
  readonly results: readonly HostResult[];
}

/** The run failed on some hosts; the others' results are in `results`. */
export class FleetError extends Error {
  override readonly name = 'FleetError';
  constructor(
    message: string,
    readonly results: readonly HostResult[],
  ) {
    super(message);
  }
}
