import { manageCommand } from '../../shared/options/commands.js';
import type { ActionMetadata } from '../../scripts/action-yaml.js';
import { fleetOutputs, manageOutputs } from '../../shared/manage/outputs.js';
import { outputDescriptions } from '../../shared/options/outputs.js';

export const metadata: ActionMetadata = {
  folder: 'action-manage',
  name: 'indicovm manage',
  description:
    'Run management tasks on an Indico VM over one verified SSH connection: load-ssl, update-server, update-redis, update-smtp, config, start/stop/restart/status, run, backup, logs, upgrade, health.',
  command: manageCommand,
  post: false,
  outputs: outputDescriptions(manageOutputs, fleetOutputs),
};
