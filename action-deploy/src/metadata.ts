import { deployCommand } from '../../shared/options/commands.js';
import type { ActionMetadata } from '../../action-kit/metadata.js';

export const metadata: ActionMetadata = {
  folder: 'action-deploy',
  name: 'indicovm deploy',
  description:
    'Upload an Indico image to OpenStack Glance and boot it with Nova, or boot a stock image with generated cloud-init user-data.',
  command: deployCommand,
  post: true,
  outputs: {
    'image-id': 'Glance image ID that was booted',
    'server-id': 'Nova server ID',
    'server-name': 'Nova server name',
    address: 'Address to SSH to (floating IP, else fixed IPv4, else IPv6)',
    addresses: "JSON of the server's addresses by network",
    'host-keys': 'SSH host public keys read from the console log, one per line (pin them in action-manage)',
    'user-data-path': 'Path of the generated user-data (stock-image path)',
    'boot-volume-id': 'Cinder volume the server boots from (boot-volume-size)',
  },
};
