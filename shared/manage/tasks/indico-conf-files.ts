import { PATHS } from '../../recipe/context.js';
import { checkPythonSyntax, type FileChange } from '../remote/file-edit.js';
import { setPythonSettings } from '../edit/indico-conf.js';
import type { TaskContext } from '../task.js';

export const indicoConfPath = (ctx: TaskContext): string =>
  `${ctx.options.installDir.replace(/\/+$/, '')}/etc/indico.conf`;
export const indicoConfTemplatePath = `${PATHS.templateDir}/indico.conf`;

/**
 * The same settings in the live indico.conf and in its template: the first-boot script re-renders the
 * live file from the template (`apply`, and `regenerate` on a new instance), so a change made only
 * in the live file would be undone there.
 */
export function indicoConfChanges(
  ctx: TaskContext,
  settings: Readonly<Record<string, string>>,
): FileChange[] {
  const check = (path: string): Promise<void> => checkPythonSyntax(ctx.session, path);
  const edit = (current: string | undefined): string => setPythonSettings(current ?? '', settings);
  return [
    { path: indicoConfPath(ctx), edit, mode: 0o640, check },
    { path: indicoConfTemplatePath, edit, check, onlyIfExists: true },
  ];
}

export const INDICO_UNITS_NOTE = 'Indico units restarted only where they run';
