import * as core from '@actions/core';
import { ConfigurationError, errorMessage } from '../shared/errors.js';
import type { CommandSpec } from '../shared/options/commands.js';
import type { OptionGroup } from '../shared/options/kinds.js';
import { outputValues, type OutputCatalog } from '../shared/options/outputs.js';
import type { Resolved } from '../shared/options/resolve.js';
import { readActionOptions } from './inputs.js';
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
    if (core.isDebug() && error instanceof Error && error.stack) {
      reporter.debug(error.stack);
    }
    const kind = error instanceof ConfigurationError ? 'invalid settings' : 'failed';
    // core.setFailed, but through the reporter, so a relay block still open is closed first.
    reporter.error(`${name} ${kind}: ${errorMessage(error)}`);
    process.exitCode = core.ExitCode.Failure;
  } finally {
    await reporter
      .flushSummary()
      .catch((error: unknown) => core.warning(`Could not write the job summary: ${errorMessage(error)}`));
  }
}

/** Sets outputs; objects become JSON, as workflows read them with fromJSON(). */
export function setOutputs(
  outputs: Readonly<Record<string, string | number | boolean | object | undefined>>,
): void {
  for (const [name, value] of Object.entries(outputs)) {
    if (value !== undefined) {
      core.setOutput(name, typeof value === 'object' ? JSON.stringify(value) : String(value));
    }
  }
}

/**
 * An action's main step that runs one command: its inputs read and their secrets masked first (a bad
 * one fails before anything is created), then the command, then the outputs its result gives.
 */
export async function runCommandAction<G extends OptionGroup, R>(
  name: string,
  command: CommandSpec<G>,
  outputs: OutputCatalog<R> | undefined,
  run: (options: Resolved<G>, reporter: ActionsReporter) => Promise<R>,
): Promise<void> {
  await runAction(name, async (reporter) => {
    const result = await run(readActionOptions(command, reporter), reporter);
    if (outputs) setOutputs(outputValues(outputs, result));
  });
}

/** Where a file written for the user may go: the workspace and RUNNER_TEMP. */
export function writableRoots(): string[] {
  return [process.env.GITHUB_WORKSPACE ?? process.cwd(), process.env.RUNNER_TEMP].filter(
    (root): root is string => Boolean(root),
  );
}
