/** `systemctl is-active` / `is-enabled` answers, per unit and per component. */

export interface UnitState {
  readonly active: string;
  readonly enabled: string;
}

/** Lines of `<unit> <is-active> <is-enabled>` (our own status script's output). */
export function parseUnitStates(output: string): Map<string, UnitState> {
  const states = new Map<string, UnitState>();
  for (const line of output.split('\n')) {
    const [unit, active, enabled] = line.trim().split(/\s+/);
    if (unit && active) {
      states.set(unit, { active, enabled: enabled && enabled !== '' ? enabled : 'unknown' });
    }
  }
  return states;
}

const ACTIVE_RANK = ['failed', 'activating', 'deactivating', 'reloading', 'inactive', 'unknown', 'active'];

/** A component with several units (celery: worker and beat) is as healthy as its worst unit. */
export function componentState(
  units: readonly string[],
  states: ReadonlyMap<string, UnitState>,
): UnitState & { units: Record<string, UnitState> } {
  const own = units.map(
    (unit) => [unit, states.get(unit) ?? { active: 'unknown', enabled: 'unknown' }] as const,
  );
  const rank = (state: string): number => {
    const i = ACTIVE_RANK.indexOf(state);
    return i === -1 ? ACTIVE_RANK.indexOf('unknown') : i;
  };
  const worst = own.reduce((a, b) => (rank(b[1].active) < rank(a[1].active) ? b : a));
  const enabled = own.every(([, s]) => s.enabled === own[0]![1].enabled)
    ? own[0]![1].enabled
    : own.map(([, s]) => s.enabled).join(',');
  return { active: worst[1].active, enabled, units: Object.fromEntries(own) };
}
