import { workflow } from '../../action-kit/workflow-commands.js';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { uploadRunArtifact } from '../../action-kit/artifact.js';
import { cleanUpAfterAction } from '../../action-kit/cleanup.js';
import { runAction } from '../../action-kit/run.js';
import { buildUndoers } from '../../shared/image/build-image.js';
import { errorMessage } from '../../shared/errors.js';
import { serialLogTail } from '../../shared/qemu/serial.js';
import { STATE } from './state.js';

await runAction('action-build-image (post)', async (reporter) => {
  // Kills a qemu the main step left running (cancelled job, crash) and removes its temporary folder.
  await cleanUpAfterAction(reporter, buildUndoers);
  const serialLog = workflow.getState(STATE.serialLog);
  if (workflow.getState(STATE.succeeded) !== 'true' && serialLog && existsSync(serialLog)) {
    await reporter.group('Serial console of the build VM (last lines)', async () => {
      reporter.relay(serialLogTail(serialLog, 80));
    });
    // The tail is in the log; the whole console goes into an artifact, where the runner gives one.
    const artifact = workflow.getState(STATE.serialLogArtifact);
    if (artifact) {
      try {
        const id = await uploadRunArtifact(artifact, [serialLog], dirname(serialLog), {
          what: 'the serial console log of the build VM',
        });
        if (id !== undefined) {
          reporter.info(`The whole serial console log is in artifact ${artifact} (id ${id}).`);
        }
      } catch (error) {
        reporter.warning(`Could not upload the serial console log: ${errorMessage(error)}`);
      }
    }
  }
});
