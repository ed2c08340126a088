import type { Values } from '../options/kinds.js';
import type { deployCommand } from '../options/commands.js';

export type DeployOptions = Values<typeof deployCommand.options>;
