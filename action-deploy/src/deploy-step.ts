import { downloadRunArtifact } from '../../action-kit/artifact.js';
import { openLedger } from '../../action-kit/cleanup.js';
import { writableRoots } from '../../action-kit/command.js';
import { deploy, type DeployResult } from '../../shared/deploy/deploy.js';
import type { deployCommand } from '../../shared/options/commands.js';
import type { Resolved } from '../../shared/options/resolve.js';
import type { Reporter } from '../../shared/report/reporter.js';

/**
 * The deploy as an action step: what it creates goes in the step's ledger (the post step undoes it
 * after a failure), an image may come from this run's artifacts, files it writes stay in the workspace
 * or RUNNER_TEMP.
 */
export function deployStep(
  { values, sources }: Resolved<typeof deployCommand.options>,
  reporter: Reporter,
): Promise<DeployResult> {
  return deploy(values, reporter, {
    ledger: openLedger(),
    sources,
    downloadArtifact: downloadRunArtifact,
    writableRoots: writableRoots(),
  });
}
