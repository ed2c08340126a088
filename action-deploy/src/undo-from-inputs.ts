import { readActionOptions } from '../../action-kit/inputs.js';
import { openOpenStack } from '../../shared/deploy/cloud.js';
import { deployUndoers, lazyCloud } from '../../shared/deploy/undo.js';
import { authSettingsFromOptions } from '../../shared/openstack/auth-settings.js';
import { deployCommand } from '../../shared/options/commands.js';
import type { Undo } from '../../shared/cleanup/ledger.js';
import type { Reporter } from '../../shared/report/reporter.js';

/** The same inputs as the main step; undefined when they do not resolve (the main step said why). */
function readInputs(reporter: Reporter) {
  try {
    return readActionOptions(deployCommand, reporter);
  } catch {
    return undefined;
  }
}

/**
 * How the post step removes what the main step created and did not hand on: after a failure it
 * already tried, after a cancelled job it could not. The credentials come from the same inputs (post
 * steps see them), never from the step state, and the cloud is only logged in to when there is
 * something to remove. Undefined with keep-on-failure: everything stays.
 */
export function undoersFromInputs(reporter: Reporter): Readonly<Record<string, Undo>> | undefined {
  const inputs = readInputs(reporter);
  if (inputs?.values.keepOnFailure) {
    reporter.info('keep-on-failure is set: leaving whatever the main step created.');
    return undefined;
  }
  return deployUndoers(
    lazyCloud(async () => {
      const { values, sources } = inputs ?? readActionOptions(deployCommand, reporter);
      return openOpenStack(authSettingsFromOptions(values, sources), { reporter });
    }),
  );
}
