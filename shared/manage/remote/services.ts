import type { SshSession } from '../../ssh/index.js';
import type { HostFacts } from './host-facts.js';

/** The web server's own config test: nginx -t, or apachectl configtest (httpd -t on EL). */
export async function testWebConfig(session: SshSession, facts: HostFacts): Promise<void> {
  const argv =
    facts.webServer === 'nginx'
      ? ['nginx', '-t', '-q']
      : facts.webService === 'httpd'
        ? ['httpd', '-t']
        : ['apachectl', 'configtest'];
  await session.exec(argv, { sudo: true });
}

/** systemctl VERB units…; returns "unit (verb)" lines for the result. */
export async function systemctl(
  session: SshSession,
  verb: string,
  units: readonly string[],
): Promise<string[]> {
  if (units.length === 0) return [];
  await session.exec(['systemctl', verb, '--', ...units], { sudo: true });
  return units.map((unit) => `${unit} (${verb})`);
}

/** Restarts those units that are running: a unit that is stopped on purpose (or cannot start yet) stays so. */
export async function restartRunning(session: SshSession, units: readonly string[]): Promise<string[]> {
  if (units.length === 0) return [];
  const script =
    'for u in "$@"; do if systemctl is-active --quiet "$u"; then systemctl restart "$u" && echo "$u"; fi; done';
  const { stdout } = await session.exec(['sh', '-c', script, 'sh', ...units], { sudo: true });
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((unit) => `${unit} (restarted)`);
}

/** Reloads units that run; starts them when they do not (a reload of a stopped unit fails). */
export async function reloadOrStart(session: SshSession, units: readonly string[]): Promise<string[]> {
  if (units.length === 0) return [];
  await session.exec(['systemctl', 'reload-or-restart', '--', ...units], { sudo: true });
  return units.map((unit) => `${unit} (reloaded)`);
}
