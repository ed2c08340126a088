import { PATHS, UNITS } from '../../recipe/context.js';
import { CommandError } from '../../errors.js';
import type { SshSession } from '../../ssh/index.js';
import type { WebServer } from '../edit/vhost.js';

/**
 * What the recipe found out about the VM when it ran (unit names, the Redis drop-in): the same
 * /etc/indicovm/host.env its first-boot script reads, so manage and the recipe agree on names.
 */
export interface HostFacts {
  readonly redisService: string;
  readonly redisDropIn: string;
  readonly webService: string;
  readonly pgService: string;
  /** Which web server the vhost is for. */
  readonly webServer: WebServer;
  readonly vhostPath: string;
}

export function parseEnvFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) values[m[1]!] = m[2]!.replace(/^'(.*)'$/, '$1').replace(/^"(.*)"$/, '$1');
  }
  return values;
}

export function hostFactsFrom(env: Readonly<Record<string, string>>): HostFacts {
  const web = env.WEB_SERVICE ?? 'nginx';
  const webServer = web === 'nginx' ? 'nginx' : 'apache';
  const vhostPath =
    web === 'nginx'
      ? '/etc/nginx/conf.d/indico.conf'
      : web === 'httpd'
        ? '/etc/httpd/conf.d/indico.conf'
        : '/etc/apache2/sites-available/indico.conf';
  return {
    redisService: env.REDIS_SERVICE ?? 'redis-server',
    redisDropIn: env.REDIS_DROP_IN ?? PATHS.redisDropIn,
    webService: web,
    pgService: env.PG_SERVICE ?? 'postgresql',
    webServer,
    vhostPath,
  };
}

export async function readHostFacts(session: SshSession): Promise<HostFacts> {
  const text = await session.readFile(PATHS.hostEnv, { sudo: true });
  if (text === undefined) {
    throw new CommandError(
      `read ${PATHS.hostEnv}`,
      null,
      '',
      `${session.where} was not provisioned by the indicovm recipe (${PATHS.hostEnv} is missing), so manage does not know its files and units`,
    );
  }
  return hostFactsFrom(parseEnvFile(text.toString('utf8')));
}

/** Component → systemd units, as the recipe names them. */
export function unitsOf(component: string, facts: HostFacts): string[] {
  switch (component) {
    case 'redis':
      return [facts.redisService];
    case 'postgresql':
      return [facts.pgService];
    case 'web':
      return [facts.webService];
    case 'uwsgi':
      return [UNITS.uwsgi];
    case 'celery':
      return [UNITS.celery, UNITS.celeryBeat];
    default:
      throw new Error(`Unknown component ${JSON.stringify(component)}`);
  }
}
