import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { uploadRunArtifact } from '../../action-kit/artifact.js';
import { workflow } from '../../action-kit/workflow-commands.js';
import { errorMessage } from '../../shared/errors.js';
import { serialLogTail } from '../../shared/qemu/serial.js';
import type { Reporter } from '../../shared/report/reporter.js';
import { STATE } from './state.js';

/**
 * After a build that did not succeed: the last lines of the build VM's serial console in the log, and
 * the whole console in an artifact where the runner gives one. A failed upload is a warning: the
 * build's own failure is what the step reports.
 */
export async function showSerialLogOfFailedBuild(reporter: Reporter): Promise<void> {
  const serialLog = workflow.getState(STATE.serialLog);
  if (workflow.getState(STATE.succeeded) === 'true' || !serialLog || !existsSync(serialLog)) return;
  await reporter.group('Serial console of the build VM (last lines)', async () => {
    reporter.relay(serialLogTail(serialLog, 80));
  });
  const artifact = workflow.getState(STATE.serialLogArtifact);
  if (!artifact) return;
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
