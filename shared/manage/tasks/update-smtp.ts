import { UNITS } from '../../recipe/context.js';
import { smtpSettings } from '../edit/indico-conf.js';
import { changeFiles } from '../remote/file-edit.js';
import { restartRunning } from '../remote/services.js';
import { mustApply, type TaskContext, type TaskOutcome } from '../task.js';
import { indicoConfChanges } from './indico-conf-files.js';

export async function updateSmtp(ctx: TaskContext): Promise<TaskOutcome> {
  const o = ctx.options;
  const settings = smtpSettings({
    server: o.smtpServer,
    port: o.smtpPort,
    login: o.smtpLogin ?? '',
    password: o.smtpPassword?.reveal() ?? '',
    useTls: o.smtpUseTls,
  });
  const changed = await changeFiles(ctx.session, indicoConfChanges(ctx, settings));
  const services = mustApply(ctx, changed, () => true)
    ? await restartRunning(ctx.session, [UNITS.uwsgi, UNITS.celery, UNITS.celeryBeat])
    : [];
  const all = [...changed, ...services];
  return {
    changed: all,
    note:
      all.length > 0 ? `SMTP ${o.smtpServer}:${o.smtpPort}${o.smtpUseTls ? ' (STARTTLS)' : ''}` : 'unchanged',
  };
}
