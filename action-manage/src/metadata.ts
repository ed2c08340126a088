import { manageCommand } from '../../shared/options/commands.js';
import type { ActionMetadata } from '../../action-kit/metadata.js';

export const metadata: ActionMetadata = {
  folder: 'action-manage',
  name: 'indicovm manage',
  description:
    'Run management tasks on an Indico VM over one verified SSH connection: load-ssl, update-server, update-redis, update-smtp, start/stop/restart/status, run, backup.',
  command: manageCommand,
  post: false,
  outputs: {
    changed: 'JSON: per task, what changed',
    stdout: 'Standard output of the run task',
    status: 'JSON: per component, its state',
    'backup-path': 'Local path of the backup tarball',
  },
};
