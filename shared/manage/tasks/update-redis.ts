import { PATHS, UNITS } from '../../recipe/context.js';
import { quote } from '../../shell/quote.js';
import { redisSettings } from '../edit/indico-conf.js';
import { setRedisDirective } from '../edit/redis.js';
import { errorMessage } from '../../errors.js';
import { BACKUP_SUFFIX, changeFiles, type FileChange } from '../remote/file-edit.js';
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
  const services: string[] = [];
  const local = o.redisHost === '127.0.0.1' || o.redisHost === 'localhost' || o.redisHost === '::1';
  // What is being tried on the new files, for the error when it fails.
  let attempt: string | undefined;
  const restartRedis = async (changed: readonly string[]): Promise<void> => {
    if (!mustApply(ctx, changed, (path) => path === facts.redisDropIn)) return;
    attempt = `restart of ${facts.redisService}`;
    services.push(...(await systemctl(ctx.session, 'restart', [facts.redisService])));
    if (local) {
      attempt = `PONG check of Redis on 127.0.0.1:${o.redisPort} with the new password`;
      await ctx.session.runScript(pingScript(o.redisPort, password), { timeoutMs: 30_000 });
    }
    attempt = undefined;
  };
  let changed: string[];
  try {
    // Redis restarts with the new files in place: when it does not come back, changeFiles puts every
    // file back (drop-in, indico.conf and their templates) from its .indicovm.bak.
    changed = await changeFiles(
      ctx.session,
      [
        ...redisFiles,
        ...indicoConfChanges(ctx, redisSettings({ host: o.redisHost, port: o.redisPort, password })),
      ],
      { testInPlace: restartRedis },
    );
    // A run after a dropped connection may find the files written already, yet Redis not restarted.
    if (changed.length === 0) await restartRedis(changed);
  } catch (error) {
    if (attempt === undefined) throw error;
    throw await restoredRedisError(ctx, facts.redisService, attempt, error);
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

/**
 * Redis did not come back on the new files, which changeFiles has put back by now: Redis is
 * restarted on the previous ones, so it runs as before, and the error says what failed.
 */
async function restoredRedisError(
  ctx: TaskContext,
  service: string,
  attempt: string,
  error: unknown,
): Promise<Error> {
  const again = await ctx.session.exec(['systemctl', 'restart', '--', service], {
    sudo: true,
    allowFailure: true,
  });
  const after =
    again.code === 0
      ? `${service} was restarted on them`
      : `restarting ${service} on them failed too (exit code ${again.code}): check it with the status and logs tasks`;
  return new Error(
    `update-redis: the ${attempt} failed after the edit (${errorMessage(error)}). ` +
      `The previous Redis drop-in and indico.conf were put back from their ${BACKUP_SUFFIX} copies and ${after}.`,
    { cause: error },
  );
}
