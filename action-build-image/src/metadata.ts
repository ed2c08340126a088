import { buildImageCommand } from '../../shared/options/commands.js';
import type { ActionMetadata } from '../../scripts/action-yaml.js';
import { buildOutputs } from '../../shared/image/outputs.js';
import { outputDescriptions } from '../../shared/options/outputs.js';

export const metadata: ActionMetadata = {
  folder: 'action-build-image',
  name: 'indicovm build image',
  description:
    'Build a sealed Indico 3.3 VM image with qemu and cloud-init, provisioned over SSH, in qcow2/raw/vdi/vmdk/vpc/vhdx.',
  command: buildImageCommand,
  post: true,
  outputs: outputDescriptions(buildOutputs),
};
