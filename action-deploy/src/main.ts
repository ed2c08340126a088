import { runCommandAction } from '../../action-kit/command.js';
import { deployOutputs } from '../../shared/deploy/outputs.js';
import { deployCommand } from '../../shared/options/commands.js';
import { deployStep } from './deploy-step.js';

await runCommandAction('action-deploy', deployCommand, deployOutputs, deployStep);
