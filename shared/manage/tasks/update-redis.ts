import { PATHS, UNITS } from '../../recipe/context.js';
import { quote } from '../../shell/quote.js';
import { redisSettings } from '../edit/indico-conf.js';
import { setRedisDirective } from '../edit/redis.js';
import { changeFiles, type FileChange } from '../remote/file-edit.js';
import { restartRunning, systemctl } from '../remote/services.js';
import { mustApply, type TaskContext, type TaskOutcome } from '../task.js';
import { indicoConfChanges } from './indico-conf-files.js';

/** Asks Redis for PONG with the new password; the script, password included, goes over stdin. */
function pingScript(port: number, password: string): string {
  return `REDISCLI_AUTH=${quote(password)}
export REDISCLI_AUTH
tries=0
until out=$(redis-cli -h 127.0.0.1 -p ${port} --no-auth-warning ping 2>&1) && [ "$out" = PONG ]; do
  tries=$((tries + 1))
  [ "$tries" -lt 20 ] || { echo "Redis did not answer PONG with the new password: $out" >&2; exit 1; }
  sleep 0.5
done
`;
}

export async function updateRedis(ctx: TaskContext): Promise<TaskOutcome> {
  const o = ctx.options;
  const password = o.redisPassword!.reveal();
  const facts = await ctx.facts();
  const dropIn = (current: string | undefined): string =>
    setRedisDirective(setRedisDirective(current ?? '', 'port', String(o.redisPort)), 'requirepass', password);
  const redisFiles: FileChange[] = [
    { path: facts.redisDropIn, edit: dropIn, mode: 0o640 },
    { path: `${PATHS.templateDir}/redis.conf`, edit: dropIn, onlyIfExists: true },
  ];
  const changed = await changeFiles(ctx.session, [
    ...redisFiles,
    ...indicoConfChanges(ctx, redisSettings({ host: o.redisHost, port: o.redisPort, password })),
  ]);
  const services: string[] = [];
  const local = o.redisHost === '127.0.0.1' || o.redisHost === 'localhost' || o.redisHost === '::1';
  if (mustApply(ctx, changed, (path) => path === facts.redisDropIn)) {
    services.push(...(await systemctl(ctx.session, 'restart', [facts.redisService])));
    if (local) await ctx.session.runScript(pingScript(o.redisPort, password), { timeoutMs: 30_000 });
  }
  if (mustApply(ctx, changed, (path) => path.endsWith('/etc/indico.conf'))) {
    services.push(...(await restartRunning(ctx.session, [UNITS.uwsgi, UNITS.celery, UNITS.celeryBeat])));
  }
  const all = [...changed, ...services];
  return {
    changed: all,
    note: all.length > 0 ? `Redis at ${o.redisHost}:${o.redisPort}, password set` : 'unchanged',
  };
}
