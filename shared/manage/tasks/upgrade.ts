import { UNITS } from '../../recipe/context.js';
import { CommandError } from '../../errors.js';
import {
  installWheelhouse,
  REMOVE_WHEELHOUSE,
  WHEELHOUSE_DIR,
  wheelhouseSource,
} from '../../recipe/wheelhouse.js';
import { restartRunning } from '../remote/services.js';
import type { TaskContext, TaskOutcome } from '../task.js';

/** Exit status of the script below when there is no Indico venv. */
const NOT_INSTALLED = 3;

/**
 * As the Indico user: pip install -U indico in the venv, then `indico db upgrade`; prints the version
 * before and after. $1 install dir; $2 (or empty) a wheel folder pip uses instead of any index.
 */
const UPGRADE_SCRIPT = `set -eu
install=$1
links=\${2:-}
venv=$install/.venv
[ -x "$venv/bin/indico" ] || exit ${NOT_INSTALLED}
[ "\${3:-}" != --check ] || exit 0
user=$(stat -c %U "$install")
as_indico() {
  runuser -u "$user" -- env HOME="$install" INDICO_CONFIG="$install/etc/indico.conf" \\
    \${links:+PIP_NO_INDEX=1} \${links:+"PIP_FIND_LINKS=$links"} "$@"
}
before=$(as_indico "$venv/bin/pip" show indico | sed -n 's/^Version: //p')
as_indico "$venv/bin/pip" install --upgrade --quiet indico >&2
as_indico "$venv/bin/indico" db upgrade >&2
after=$(as_indico "$venv/bin/pip" show indico | sed -n 's/^Version: //p')
printf '%s %s\\n' "$before" "$after"
`;

export async function upgrade(ctx: TaskContext): Promise<TaskOutcome> {
  const install = ctx.options.installDir.replace(/\/+$/, '');
  const wheelhouse = ctx.options.pythonWheelhouse;
  const run = (args: readonly string[]) =>
    ctx.session.exec(['sh', '-c', UPGRADE_SCRIPT, 'sh', install, ...args], {
      sudo: true,
      allowFailure: true,
      onStderr: (text) => ctx.reporter.relay(text.replace(/\n$/, '')),
    });
  let result;
  if (wheelhouse === undefined) {
    result = await run([]);
  } else {
    // Nothing is sent to a VM that has no Indico to upgrade.
    result = await run(['', '--check']);
    if (result.code === 0) {
      try {
        await installWheelhouse(ctx.session, wheelhouseSource(wheelhouse, process.cwd()), ctx.reporter);
        result = await run([WHEELHOUSE_DIR]);
      } finally {
        await ctx.session.exec(REMOVE_WHEELHOUSE, { sudo: true, allowFailure: true });
      }
    }
  }
  if (result.code === NOT_INSTALLED) {
    throw new CommandError(
      'upgrade',
      result.code,
      '',
      `Indico is not installed on ${ctx.session.where} (no ${install}/.venv/bin/indico; was the image built with install-indico: false?)`,
    );
  }
  if (result.code !== 0) {
    throw new CommandError(
      `pip install --upgrade${wheelhouse !== undefined ? ' --no-index --find-links' : ''} indico / indico db upgrade`,
      result.code,
      result.stderr.slice(-4000),
    );
  }
  const [before, after] = result.stdout.trim().split(/\s+/);
  const services = await restartRunning(ctx.session, [UNITS.uwsgi, UNITS.celery, UNITS.celeryBeat]);
  const upgraded = before !== after;
  return {
    changed: upgraded ? [`indico ${before} → ${after}`, ...services] : [],
    note: upgraded ? `Indico ${before} → ${after}` : `Indico ${after ?? '?'} is the newest available`,
  };
}
