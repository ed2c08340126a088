import * as core from '@actions/core';
import { existsSync } from 'node:fs';
import { cleanUpAfterAction } from '../../action-kit/cleanup.js';
import { runAction } from '../../action-kit/run.js';
import { buildUndoers } from '../../shared/build/build-image.js';
import { serialLogTail } from '../../shared/qemu/serial.js';

await runAction('action-build-image (post)', async (reporter) => {
  // Kills a qemu the main step left running (cancelled job, crash) and removes its temporary folder.
  await cleanUpAfterAction(reporter, buildUndoers);
  const serialLog = core.getState('serial-log');
  if (core.getState('build-succeeded') !== 'true' && serialLog && existsSync(serialLog)) {
    await reporter.group('Serial console of the build VM (last lines)', async () => {
      reporter.info(serialLogTail(serialLog, 80));
    });
  }
});
