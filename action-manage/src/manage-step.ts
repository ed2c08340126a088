import { uploadRunArtifact } from '../../action-kit/artifact.js';
import { setOutputs } from '../../action-kit/run.js';
import type { ManageResult } from '../../shared/manage/manage.js';
import { runManage, type FleetResult } from '../../shared/manage/fleet.js';
import { fleetOutputs, manageOutputs } from '../../shared/manage/outputs.js';
import type { manageCommand } from '../../shared/options/commands.js';
import { outputValues } from '../../shared/options/outputs.js';
import type { Resolved } from '../../shared/options/resolve.js';
import type { Reporter } from '../../shared/report/reporter.js';

/**
 * The task on one host or a fleet as an action step. Outputs are set as results arrive, not at the
 * end: a failed task's stdout, stderr and exit-code are what explain it.
 */
export function manageStep(
  { values }: Resolved<typeof manageCommand.options>,
  reporter: Reporter,
): Promise<ManageResult | FleetResult> {
  return runManage(values, reporter, {
    // The tarball is gzip already: zipping it again gains nothing.
    uploadArtifact: (name, files, rootDir) =>
      uploadRunArtifact(name, files, rootDir, {
        what: 'the backup tarball',
        compressionLevel: 0,
        retentionDays: values.retentionDays,
      }),
    onResult: (result) => setOutputs(outputValues(manageOutputs, result)),
    onFleetResult: (result) => setOutputs(outputValues(fleetOutputs, result)),
  });
}
