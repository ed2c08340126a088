import { workflow } from './workflow-commands.js';
import { Ledger, type Undo } from '../shared/cleanup/ledger.js';
import { errorMessage } from '../shared/errors.js';
import type { Reporter } from '../shared/report/reporter.js';
import type { ActionsReporter } from './reporter.js';
import { runAction } from './run.js';

export const LEDGER_STATE = 'ledger-file';

/** Where the main step records what it creates; saved in the step state for the post step. */
export function openLedger(): Ledger {
  const dir = process.env.RUNNER_TEMP ?? process.env.TMPDIR ?? '/tmp';
  const ledger = new Ledger(`${dir}/indicovm-ledger-${process.env.GITHUB_ACTION ?? process.pid}.json`);
  workflow.saveState(LEDGER_STATE, ledger.file);
  return ledger;
}

/**
 * The post step: undo whatever the main step recorded and did not hand on. It warns rather than fails,
 * so a cleanup problem never hides the main step's own result.
 */
export async function cleanUpAfterAction(
  reporter: Reporter,
  undoers: Readonly<Record<string, Undo>>,
): Promise<void> {
  const file = workflow.getState(LEDGER_STATE);
  if (!file) {
    reporter.info('Nothing to clean up: the main step created nothing.');
    return;
  }
  const ledger = new Ledger(file);
  if (ledger.resources.length === 0) {
    reporter.info('Nothing to clean up.');
    return;
  }
  await reporter.group(`Cleaning up ${ledger.resources.length} resource(s)`, async () => {
    const undone = await ledger.undoAll(undoers, (resource, error) =>
      reporter.warning(
        `Could not remove ${resource.kind} ${resource.label ?? resource.id}: ${errorMessage(error)}`,
      ),
    );
    reporter.info(`Removed ${undone} of ${ledger.resources.length + undone} resource(s).`);
  });
}

/**
 * An action's post step: undo what the main step recorded with the undoers `undoers` gives (undefined:
 * leave everything, it has said why), then whatever else the step does after a failure (`after`).
 */
export async function runCleanupAction(
  name: string,
  undoers: (reporter: ActionsReporter) => Readonly<Record<string, Undo>> | undefined,
  after?: (reporter: ActionsReporter) => Promise<void>,
): Promise<void> {
  await runAction(name, async (reporter) => {
    const chosen = undoers(reporter);
    if (chosen) await cleanUpAfterAction(reporter, chosen);
    await after?.(reporter);
  });
}
