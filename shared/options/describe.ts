import type { AnyOption } from './kinds.js';

/** How an option's default is shown in help texts, action.yml and the README. */
export function optionDefault(spec: AnyOption): string | undefined {
  if (spec.defaultText) {
    return spec.defaultText;
  }
  const value = spec.default;
  if (value === undefined || (Array.isArray(value) && value.length === 0)) {
    return undefined;
  }
  if (Array.isArray(value)) {
    return value.join(',');
  }
  if (typeof value === 'object' && value !== null) {
    return Object.keys(value).length ? JSON.stringify(value) : undefined;
  }
  return String(value);
}

/** An option's description in action.yml and the README: the option's line, its default and fallbacks. */
export function inputDescription(spec: AnyOption): string {
  const notes = [
    optionDefault(spec) !== undefined ? `Default: ${optionDefault(spec)}.` : undefined,
    spec.env.length ? `Falls back to ${spec.env.join(', ')}.` : undefined,
    spec.secret ? 'Secret: pass it from secrets.' : undefined,
    spec.actionOnly ? 'Action only (the CLI leaves its files in place).' : undefined,
    spec.aliases?.length
      ? `Old name${spec.aliases.length > 1 ? 's' : ''}: ${spec.aliases.join(', ')}.`
      : undefined,
  ].filter(Boolean);
  return [spec.description.endsWith('.') ? spec.description : `${spec.description}.`, ...notes].join(' ');
}
