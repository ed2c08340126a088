import { workflow } from './workflow-commands.js';
import { ConfigurationError, errorMessage } from '../shared/errors.js';
import { ActionsReporter } from './reporter.js';

/**
 * The whole life of an action's main or post step: one reporter, one place where failures become the
 * step's result. A user error reads as such; with step debug logging on, the stack is logged too.
 */
export async function runAction(
  name: string,
  main: (reporter: ActionsReporter) => Promise<void>,
): Promise<void> {
  const reporter = new ActionsReporter();
  try {
    await main(reporter);
  } catch (error) {
    if (workflow.isDebug() && error instanceof Error && error.stack) {
      reporter.debug(error.stack);
    }
    const kind = error instanceof ConfigurationError ? 'invalid settings' : 'failed';
    // What @actions/core's setFailed does, but through the reporter, so a relay block still open is closed first.
    reporter.error(`${name} ${kind}: ${errorMessage(error)}`);
    process.exitCode = 1;
  } finally {
    await reporter
      .flushSummary()
      .catch((error: unknown) => workflow.warning(`Could not write the job summary: ${errorMessage(error)}`));
  }
}

/** Sets outputs; objects become JSON, as workflows read them with fromJSON(). */
export function setOutputs(
  outputs: Readonly<Record<string, string | number | boolean | object | undefined>>,
): void {
  for (const [name, value] of Object.entries(outputs)) {
    if (value !== undefined) {
      workflow.setOutput(name, typeof value === 'object' ? JSON.stringify(value) : String(value));
    }
  }
}
