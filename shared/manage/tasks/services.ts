import { unitsOf } from '../remote/host-facts.js';
import { systemctl } from '../remote/services.js';
import { componentState, parseUnitStates } from '../status.js';
import type { TaskContext, TaskOutcome } from '../task.js';

async function unitsFor(ctx: TaskContext): Promise<{ component: string; units: string[] }[]> {
  const facts = await ctx.facts();
  return ctx.options.components.map((component) => ({ component, units: unitsOf(component, facts) }));
}

export function serviceTask(verb: 'start' | 'stop' | 'restart') {
  return async (ctx: TaskContext): Promise<TaskOutcome> => {
    const groups = await unitsFor(ctx);
    // Stop in reverse order: the web server and Indico go before the databases they use.
    const ordered = verb === 'stop' ? [...groups].reverse() : groups;
    const changed = await systemctl(
      ctx.session,
      verb,
      ordered.flatMap((g) => g.units),
    );
    return { changed, note: `${verb}: ${groups.map((g) => g.component).join(', ')}` };
  };
}

const STATUS_SCRIPT =
  'for u in "$@"; do printf "%s %s %s\\n" "$u" "$(systemctl is-active "$u" 2>/dev/null)" "$(systemctl is-enabled "$u" 2>/dev/null)"; done';

export async function status(ctx: TaskContext): Promise<TaskOutcome> {
  const groups = await unitsFor(ctx);
  const { stdout } = await ctx.session.exec(
    ['sh', '-c', STATUS_SCRIPT, 'sh', ...groups.flatMap((g) => g.units)],
    {
      sudo: true,
    },
  );
  const states = parseUnitStates(stdout);
  const result: Record<string, unknown> = {};
  const notes: string[] = [];
  for (const { component, units } of groups) {
    const state = componentState(units, states);
    result[component] = state;
    notes.push(`${component} ${state.active}/${state.enabled}`);
  }
  return { changed: [], note: notes.join(', '), status: result };
}
