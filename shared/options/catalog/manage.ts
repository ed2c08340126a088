import * as o from '../kinds.js';
import { artifactRetentionOption } from './common.js';
import { recipeOptions } from './recipe.js';

export const MANAGE_TASKS = [
  'load-ssl',
  'update-server',
  'update-redis',
  'update-smtp',
  'config',
  'start',
  'stop',
  'restart',
  'status',
  'run',
  'backup',
  'logs',
  'upgrade',
  'health',
] as const;

export const COMPONENTS = ['redis', 'postgresql', 'web', 'uwsgi', 'celery'] as const;

/** Several servers in one run (Ansible's forks, serial and any_errors_fatal, in this tool's words). */
export const fleetOptions = {
  hosts: o.list(
    o.string({
      description: 'host',
      pattern: /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.-]*|[0-9A-Fa-f:.]+)(:\d{1,5})?$/,
      patternText: 'host or host:port ([v6-address]:port for IPv6 with a port)',
    }),
    {
      description:
        "Several hosts to run the tasks on, host[:port] one per line or comma-separated (instead of 'host'); host-keys may then map each host to its keys",
      default: [],
    },
  ),
  hostsFile: o.path({
    description: "File listing hosts, host[:port] one per line, # comments (instead of 'host')",
  }),
  maxParallel: o.integer({
    description: 'Hosts worked on at the same time (one SSH connection each)',
    default: 4,
    min: 1,
    max: 64,
  }),
  failFast: o.boolean({
    description: 'Start no further host once one has failed (default: every host is tried)',
    default: false,
  }),
  serial: o.integer({
    description:
      'Rolling mode: this many hosts at a time, each checked healthy (the health task) before the next batch; the first failure stops the roll-out (0: off)',
    default: 0,
    min: 0,
    max: 1000,
  }),
} satisfies o.OptionGroup;

export const manageOptions = {
  tasks: o.list(o.choice(MANAGE_TASKS, { description: 'task' }), {
    description: `Tasks to run in order: ${MANAGE_TASKS.join(', ')}`,
  }),
  components: o.list(o.choice(COMPONENTS, { description: 'component' }), {
    description: `Components for start/stop/restart/status: ${COMPONENTS.join(', ')}`,
    default: [...COMPONENTS],
    origin: 'what',
  }),
  script: o.textBlock({ description: 'Script for the run task (runs with set -e)' }),
  envs: o.keyValues({
    description: 'Environment variables for the run task, k=v',
    default: {},
    keyPattern: /^[A-Za-z_][A-Za-z0-9_]*$/,
  }),
  // The web server (nginx or Apache) and the unit names are read from the VM (/etc/indicovm/host.env).
  // The recipe's descriptions promise defaults generated per instance; here the tasks that use these
  // require them (checked before connecting), so they are described without one.
  sslCert: o.textBlock({
    description: 'TLS certificate for load-ssl, required there (PEM text or a path; its chain may follow it)',
    origin: 'ssl_pem_path',
  }),
  sslKey: recipeOptions.sslKey,
  sslChain: recipeOptions.sslChain,
  serverName: o.hostname({
    description: 'Host name for update-server: BASE_URL and the vhost server_name',
    origin: 'machine.name',
  }),
  httpPort: recipeOptions.httpPort,
  httpsPort: recipeOptions.httpsPort,
  redisHost: recipeOptions.redisHost,
  redisPort: recipeOptions.redisPort,
  redisPassword: o.secret({
    description: 'Redis password for update-redis, required there',
    origin: 'redis_pswd',
  }),
  smtpServer: recipeOptions.smtpServer,
  smtpPort: recipeOptions.smtpPort,
  smtpLogin: recipeOptions.smtpLogin,
  smtpPassword: recipeOptions.smtpPassword,
  smtpUseTls: recipeOptions.smtpUseTls,
  installDir: recipeOptions.installDir,
  pythonWheelhouse: recipeOptions.pythonWheelhouse,
  dbName: recipeOptions.dbName,
  backupDir: o.path({
    description: 'Local directory for backup tarballs and fetched logs',
    default: 'indicovm-backups',
  }),
  uploadBackup: o.boolean({
    description: 'Upload the backup tarball as a workflow artifact (action-manage only)',
    default: false,
  }),
  backupArtifactName: o.string({
    description: 'Name of the workflow artifact of the backup tarball',
    default: 'indico-backup',
    pattern: /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/,
    patternText: 'an artifact name (letters, digits, ., _ and -)',
  }),
  ...artifactRetentionOption,
} satisfies o.OptionGroup;
