import { uploadRunArtifact } from '../../action-kit/artifact.js';
import { readActionOptions } from '../../action-kit/inputs.js';
import { runAction, setOutputs } from '../../action-kit/run.js';
import { runManage } from '../../shared/manage/fleet.js';
import { fleetOutputs, manageOutputs } from '../../shared/manage/outputs.js';
import { manageCommand } from '../../shared/options/commands.js';
import { outputValues } from '../../shared/options/outputs.js';

await runAction('action-manage', async (reporter) => {
  const { values } = readActionOptions(manageCommand, reporter);
  await runManage(values, reporter, {
    // The tarball is gzip already: zipping it again gains nothing.
    uploadArtifact: (name, files, rootDir) =>
      uploadRunArtifact(name, files, rootDir, {
        what: 'the backup tarball',
        compressionLevel: 0,
        retentionDays: values.retentionDays,
      }),
    // Also after a failed task: a failed run's stdout, stderr and exit-code are what explain it.
    onResult: (result) => setOutputs(outputValues(manageOutputs, result)),
    onFleetResult: (result) => setOutputs(outputValues(fleetOutputs, result)),
  });
});
