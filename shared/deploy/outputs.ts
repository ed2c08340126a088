import type { OutputCatalog } from '../options/outputs.js';
import type { DeployResult } from './deploy.js';

export const deployOutputs: OutputCatalog<DeployResult> = {
  'image-id': { description: 'Glance image ID that was booted', of: (r) => r.imageId },
  'server-id': { description: 'Nova server ID', of: (r) => r.serverId },
  'server-name': { description: 'Nova server name', of: (r) => r.serverName },
  address: {
    description: 'Address to SSH to (floating IP, else fixed IPv4, else IPv6)',
    of: (r) => r.address,
  },
  addresses: { description: "JSON of the server's addresses by network", of: (r) => r.addresses },
  'host-keys': {
    description: 'SSH host public keys read from the console log, one per line (pin them in action-manage)',
    of: (r) => r.hostKeys.join('\n'),
  },
  'user-data-path': {
    description: 'Path of the generated user-data (stock-image path)',
    of: (r) => r.userDataPath,
  },
  'boot-volume-id': {
    description: 'Cinder volume the server boots from (boot-volume-size)',
    of: (r) => r.bootVolumeId,
  },
};
