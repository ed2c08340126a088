import { runCleanupAction } from '../../action-kit/cleanup.js';
import { undoersFromInputs } from './undo-from-inputs.js';

await runCleanupAction('action-deploy (post)', undoersFromInputs);
