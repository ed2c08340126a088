import { runAction } from '../../action-kit/run.js';
import { cleanUpAfterAction } from '../../action-kit/cleanup.js';

await runAction('action-deploy (post)', (reporter) => cleanUpAfterAction(reporter, {}));
