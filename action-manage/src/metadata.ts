import { manageCommand } from '../../shared/options/commands.js';
import type { ActionMetadata } from '../../action-kit/metadata.js';

export const metadata: ActionMetadata = {
  folder: 'action-manage',
  name: 'indicovm manage',
  description:
    'Run management tasks on an Indico VM over one verified SSH connection: load-ssl, update-server, update-redis, update-smtp, config, start/stop/restart/status, run, backup, logs, upgrade, health.',
  command: manageCommand,
  post: false,
  outputs: {
    changed: 'JSON: per task, what changed',
    stdout: 'Standard output of the run task, also when its script failed',
    stderr: 'Standard error of the run task, also when its script failed',
    'exit-code': 'Exit code of the run task (0 when it succeeded)',
    status: 'JSON: per component, is-active and is-enabled (and per unit)',
    'backup-path': 'Local path of the backup tarball',
    'backup-artifact-id': 'ID of the workflow artifact holding the backup tarball (upload-backup)',
    'logs-path': 'Local path of the journal fetched by the logs task',
    health: 'JSON: the HTTPS probe of BASE_URL (url, status, ok, certificate)',
    results:
      'JSON (hosts/hosts-file): per host, its outcome (ok, failed, unreachable, host-key-mismatch, skipped), tasks, changed, error, seconds and the outputs above',
    'failed-hosts': 'Hosts that failed, one per line (hosts/hosts-file)',
  },
};
