/**
 * The security and fault counts of a test run. Jest runs suites in worker processes, so each suite
 * appends its counts to one file that global-setup.mjs names for the run and global-teardown.mjs
 * sums and prints after the last suite.
 */
import { appendFileSync } from 'node:fs';

export const TALLY_FILE_ENV = 'INDICOVM_TALLY_FILE';

/** What is counted; the last three are findings and must stay zero. */
export interface TallyCounts {
  readonly runsScanned?: number;
  readonly secretsScanned?: number;
  readonly hostileValues?: number;
  readonly hostileTries?: number;
  readonly faultsInjected?: number;
  readonly leaks?: number;
  readonly executions?: number;
  readonly orphans?: number;
}

/** Adds a suite's counts to the run's tally; `details` name each finding. */
export function tally(suite: string, counts: TallyCounts, details: readonly string[] = []): void {
  const file = process.env[TALLY_FILE_ENV];
  if (file) {
    appendFileSync(file, `${JSON.stringify({ suite, counts, details })}\n`);
  }
}

/** One fault injected, with whatever it left behind (an empty list when nothing was orphaned). */
export function tallyFault(suite: string, fault: string, orphans: readonly string[]): void {
  tally(
    suite,
    { faultsInjected: 1, orphans: orphans.length },
    orphans.map((orphan) => `${fault}: orphan ${orphan}`),
  );
}
