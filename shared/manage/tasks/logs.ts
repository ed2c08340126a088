import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { unitsOf } from '../remote/host-facts.js';
import type { TaskContext, TaskOutcome } from '../task.js';
import { stamp } from './backup.js';

const LINES = 2000;

/** The journal of the components' units (last lines, ISO times), saved beside the backups. */
export async function logs(ctx: TaskContext): Promise<TaskOutcome> {
  const facts = await ctx.facts();
  const units = ctx.options.components.flatMap((component) => unitsOf(component, facts));
  const { stdout } = await ctx.session.exec(
    ['journalctl', '--no-pager', '-o', 'short-iso', '-n', String(LINES), ...units.flatMap((u) => ['-u', u])],
    { sudo: true },
  );
  const dir = resolve(ctx.options.backupDir);
  mkdirSync(dir, { recursive: true });
  const local = join(dir, `indicovm-logs-${stamp(ctx.now)}.txt`);
  writeFileSync(local, stdout, { mode: 0o600 });
  const lines = stdout.split('\n').filter(Boolean).length;
  return { changed: [], note: `${lines} journal lines of ${units.join(', ')} → ${local}`, logsPath: local };
}
