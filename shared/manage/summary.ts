/** The manage run's job summary: one row per task, what it changed or why it failed. */
import type { SummarySection } from '../report/reporter.js';
import type { TaskOutcome } from './task.js';

/** A task's row: its changes one per line, or 'failed' and the first line of the error. */
export function summaryRow(task: string, outcome: TaskOutcome | undefined, error?: unknown): string[] {
  if (outcome === undefined) {
    return [task, 'failed', error instanceof Error ? error.message.split('\n')[0]! : String(error)];
  }
  return [task, outcome.changed.length > 0 ? outcome.changed.join('\n') : 'unchanged', outcome.note];
}

/** A task not started because an earlier one failed. */
export function skippedRow(task: string, failed: string): string[] {
  return [task, 'skipped', `not run: '${failed}' failed before it`];
}

export function manageSummary(where: string, rows: readonly string[][]): SummarySection {
  return {
    heading: `indicovm manage: ${where}`,
    tables: [{ header: ['Task', 'Changed', 'Result'], rows: [...rows] }],
  };
}
