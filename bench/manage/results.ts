// The manage benchmark's numbers as JSON in bench/results/, like the other benchmarks write theirs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ManageTimes {
  readonly indicovmChange: readonly number[];
  readonly indicovmNoop: readonly number[];
  readonly fabricChange: readonly number[];
  readonly fabricNoop: readonly number[];
  /** One ssh running one script that makes the same edits (one-ssh.ts): the lower bound. */
  readonly boundChange: readonly number[];
  readonly boundNoop: readonly number[];
}

export interface ManageBenchRecord {
  readonly when: string;
  readonly rounds: number;
  readonly node: string;
  readonly fabric: string;
  /** Every round's wall time in seconds, per tool and case. */
  readonly seconds: ManageTimes;
  /** Medians and indicovm / Fabric ratios per case. */
  readonly medians: Readonly<
    Record<
      'change' | 'noop',
      { indicovm: number; fabric: number; bound: number; ratio: number; ratioToBound: number }
    >
  >;
}

export const median = (xs: readonly number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export function manageRecord(
  times: ManageTimes,
  versions: { node: string; fabric: string },
  when = new Date(),
): ManageBenchRecord {
  const medians = (indicovm: readonly number[], fabric: readonly number[], bound: readonly number[]) => ({
    indicovm: median(indicovm),
    fabric: median(fabric),
    bound: median(bound),
    ratio: median(indicovm) / median(fabric),
    ratioToBound: median(indicovm) / median(bound),
  });
  return {
    when: when.toISOString(),
    rounds: times.indicovmChange.length,
    ...versions,
    seconds: times,
    medians: {
      change: medians(times.indicovmChange, times.fabricChange, times.boundChange),
      noop: medians(times.indicovmNoop, times.fabricNoop, times.boundNoop),
    },
  };
}

/** Writes `manage-<ISO time>.json` into dir (created when missing) and returns its path. */
export function writeManageResults(dir: string, record: ManageBenchRecord): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `manage-${record.when.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(record, null, 2) + '\n');
  return file;
}
