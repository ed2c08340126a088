import { constants } from 'node:os';
import { runInterruptCleanups } from '../../shared/cleanup/interrupt.js';
import { errorMessage } from '../../shared/errors.js';
import type { Reporter } from '../../shared/report/reporter.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Runs a long task so that Ctrl-C, `kill` or a closed terminal undo what it created (the qemu VM, the
 * build folder, cloud resources) before the CLI exits with 128 + the signal's number, as a shell
 * reports it. A second signal exits at once and says what may be left.
 */
export async function withInterruptCleanup<T>(reporter: Reporter, task: () => Promise<T>): Promise<T> {
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    const code = 128 + constants.signals[signal];
    if (stopping) {
      reporter.warning(`${signal} again: exiting before the clean-up finished; something may be left.`);
      process.exit(code);
    }
    stopping = true;
    reporter.warning(
      `Interrupted (${signal}): removing what this run created. ${signal} again exits at once.`,
    );
    void runInterruptCleanups((error) => reporter.warning(`Clean-up failed: ${errorMessage(error)}`)).finally(
      () => process.exit(code),
    );
  };
  for (const signal of SIGNALS) process.on(signal, handler);
  try {
    return await task();
  } finally {
    for (const signal of SIGNALS) process.off(signal, handler);
  }
}
