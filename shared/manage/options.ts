import type { Values } from '../options/kinds.js';
import type { manageCommand } from '../options/commands.js';

export type ManageOptions = Values<typeof manageCommand.options>;
