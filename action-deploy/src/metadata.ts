import { deployCommand } from '../../shared/options/commands.js';
import type { ActionMetadata } from '../../scripts/action-yaml.js';
import { deployOutputs } from '../../shared/deploy/outputs.js';
import { outputDescriptions } from '../../shared/options/outputs.js';

export const metadata: ActionMetadata = {
  folder: 'action-deploy',
  name: 'indicovm deploy',
  description:
    'Upload an Indico image to OpenStack Glance and boot it with Nova, or boot a stock image with generated cloud-init user-data.',
  command: deployCommand,
  post: true,
  outputs: outputDescriptions(deployOutputs),
};
