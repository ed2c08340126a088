/** CLI runs on the base image fixture, in a scratch folder, that a test file stops when its tests end. */
import { afterAll, beforeAll } from '@jest/globals';
import { ensureBaseImage } from './base-image.js';
import { startCli, type CliRun } from './cli-run.js';
import { useTempDir } from './temp-dir.js';

export interface CliRuns {
  /** The scratch folder, removed after everything in it has been stopped. */
  readonly scratch: () => string;
  /** Path of the base image fixture. */
  readonly base: () => string;
  /** startCli, the run remembered for the stop after the tests. */
  start(args: readonly string[], tmp: string): CliRun;
}

/**
 * stopWith: the signal for runs still going after the tests; afterStop (given the scratch folder)
 * ends what such a run may leave running.
 */
export function useCliRuns(
  prefix: string,
  stopWith: NodeJS.Signals,
  afterStop: (scratch: string) => void = () => undefined,
): CliRuns {
  let base: string | undefined;
  const started: CliRun[] = [];
  beforeAll(async () => {
    base = await ensureBaseImage();
  });
  afterAll(async () => {
    for (const run of started) {
      if (run.child.exitCode === null && run.child.signalCode === null) {
        run.child.kill(stopWith);
        await run.exited;
      }
    }
    afterStop(scratch());
  });
  // Declared after the stop: jest runs afterAll hooks in order, and the folder goes last.
  const scratch = useTempDir(prefix);
  return {
    scratch,
    base: () => {
      if (base === undefined) throw new Error('useCliRuns: the base image is ready only while the tests run');
      return base;
    },
    start(args, tmp) {
      const run = startCli(args, tmp);
      started.push(run);
      return run;
    },
  };
}
