import type { OutputCatalog } from '../options/outputs.js';
import type { FleetResult } from './fleet.js';
import type { ManageResult } from './manage.js';

/** One host's outputs (also a fleet host's, inside `results`). */
export const manageOutputs: OutputCatalog<ManageResult> = {
  changed: { description: 'JSON: per task, what changed', of: (r) => r.changed },
  stdout: {
    description: 'Standard output of the run task, also when its script failed',
    of: (r) => r.stdout,
  },
  stderr: { description: 'Standard error of the run task, also when its script failed', of: (r) => r.stderr },
  'exit-code': { description: 'Exit code of the run task (0 when it succeeded)', of: (r) => r.exitCode },
  status: {
    description: 'JSON: per component, is-active and is-enabled (and per unit)',
    of: (r) => r.status,
  },
  'backup-path': { description: 'Local path of the backup tarball', of: (r) => r.backupPath },
  'backup-artifact-id': {
    description: 'ID of the workflow artifact holding the backup tarball (upload-backup)',
    of: (r) => r.backupArtifactId,
  },
  'logs-path': { description: 'Local path of the journal fetched by the logs task', of: (r) => r.logsPath },
  health: {
    description: 'JSON: the HTTPS probe of BASE_URL (url, status, ok, certificate)',
    of: (r) => r.health,
  },
};

/** What a run over hosts/hosts-file adds. */
export const fleetOutputs: OutputCatalog<FleetResult> = {
  results: {
    description:
      'JSON (hosts/hosts-file): per host, its outcome (ok, failed, unreachable, host-key-mismatch, skipped), tasks, changed, error, seconds and the outputs above',
    of: (r) => r.results,
  },
  'failed-hosts': {
    description: 'Hosts that failed, one per line (hosts/hosts-file)',
    of: (r) =>
      r.results
        .filter((host) => host.outcome !== 'ok' && host.outcome !== 'skipped')
        .map((host) => host.host)
        .join('\n'),
  },
};
