import { runCommandAction } from '../../action-kit/command.js';
import { manageCommand } from '../../shared/options/commands.js';
import { manageStep } from './manage-step.js';

// No output catalog here: manageStep sets the outputs itself as each host's result arrives.
await runCommandAction('action-manage', manageCommand, undefined, manageStep);
