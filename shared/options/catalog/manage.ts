import * as o from '../kinds.js';
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
  sslCert: recipeOptions.sslCert,
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
  redisPassword: recipeOptions.redisPassword,
  smtpServer: recipeOptions.smtpServer,
  smtpPort: recipeOptions.smtpPort,
  smtpLogin: recipeOptions.smtpLogin,
  smtpPassword: recipeOptions.smtpPassword,
  smtpUseTls: recipeOptions.smtpUseTls,
  installDir: recipeOptions.installDir,
  dbName: recipeOptions.dbName,
  backupDir: o.path({
    description: 'Local directory for backup tarballs and fetched logs',
    default: 'indicovm-backups',
  }),
} satisfies o.OptionGroup;
