import { runCommandAction } from '../../action-kit/command.js';
import { buildOutputs } from '../../shared/image/outputs.js';
import { buildImageCommand } from '../../shared/options/commands.js';
import { buildStep } from './build-step.js';

await runCommandAction('action-build-image', buildImageCommand, buildOutputs, buildStep);
