import type { CommandSpec } from '../shared/options/commands.js';
import type { OptionGroup } from '../shared/options/kinds.js';
import { outputValues, type OutputCatalog } from '../shared/options/outputs.js';
import type { Resolved } from '../shared/options/resolve.js';
import { readActionOptions } from './inputs.js';
import type { ActionsReporter } from './reporter.js';
import { runAction, setOutputs } from './run.js';

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
