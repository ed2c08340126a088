import { uploadRunArtifact } from '../../action-kit/artifact.js';
import { runCommandAction } from '../../action-kit/command.js';
import { setOutputs } from '../../action-kit/run.js';
import { runManage } from '../../shared/manage/fleet.js';
import { fleetOutputs, manageOutputs } from '../../shared/manage/outputs.js';
import { manageCommand } from '../../shared/options/commands.js';
import { outputValues } from '../../shared/options/outputs.js';

// Outputs are set as results arrive: a failed task's stdout, stderr and exit-code explain it.
await runCommandAction('action-manage', manageCommand, undefined, ({ values }, reporter) =>
  runManage(values, reporter, {
    // The tarball is gzip already: zipping it again gains nothing.
    uploadArtifact: (name, files, rootDir) =>
      uploadRunArtifact(name, files, rootDir, {
        what: 'the backup tarball',
        compressionLevel: 0,
        retentionDays: values.retentionDays,
      }),
    onResult: (result) => setOutputs(outputValues(manageOutputs, result)),
    onFleetResult: (result) => setOutputs(outputValues(fleetOutputs, result)),
  }),
);
