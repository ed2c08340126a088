import { runCleanupAction } from '../../action-kit/cleanup.js';
import { buildUndoers } from '../../shared/image/build-image.js';
import { showSerialLogOfFailedBuild } from './serial-log.js';

// Kills a qemu the main step left running (cancelled job, crash), removes its temporary folder and
// half-written images, then shows the console of a build that failed.
await runCleanupAction('action-build-image (post)', () => buildUndoers, showSerialLogOfFailedBuild);
