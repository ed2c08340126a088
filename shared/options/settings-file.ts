import { parse } from 'yaml';
import { ConfigurationError } from '../errors.js';
import type { CommandSpec } from './commands.js';
import { kebab, suggestion } from './names.js';

/**
 * indicovm.yml: the original's fabfile.conf as YAML data, never executed. Top-level keys are options
 * that apply to every command that has them; a section named after a command holds that command's own
 * settings and wins over the top level.
 *
 *   server-hostname: indico.example.org
 *   deploy:
 *     flavor: m2.medium
 */
export interface SettingsFile {
  readonly label: string;
  readonly shared: Readonly<Record<string, unknown>>;
  readonly sections: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function parseSettingsFile(
  text: string,
  label: string,
  commands: readonly CommandSpec[],
): SettingsFile {
  let document: unknown;
  try {
    // Plain data only: no custom tags, a small alias budget against billion-laughs documents.
    document = parse(text, { schema: 'core', maxAliasCount: 20, uniqueKeys: true }) ?? {};
  } catch (error) {
    throw new ConfigurationError(`${label} is not valid YAML: ${(error as Error).message}`);
  }
  if (!isMapping(document)) {
    throw new ConfigurationError(`${label} must be a mapping of option names to values.`);
  }
  const commandNames = new Set(commands.map((c) => c.name));
  const optionsOf = new Map(commands.map((c) => [c.name, new Set(Object.keys(c.options).map(kebab))]));
  const allOptions = new Set([...optionsOf.values()].flatMap((names) => [...names]));

  const errors: string[] = [];
  const shared: Record<string, unknown> = {};
  const sections: Record<string, Record<string, unknown>> = {};
  for (const [key, value] of Object.entries(document)) {
    if (commandNames.has(key)) {
      if (!isMapping(value)) {
        errors.push(`${label}: section '${key}' must be a mapping of option names to values`);
        continue;
      }
      const known = optionsOf.get(key)!;
      for (const name of Object.keys(value)) {
        if (!known.has(name)) {
          errors.push(`${label}: unknown option '${key}.${name}' for ${key}${suggestion(name, known)}`);
        }
      }
      sections[key] = value;
    } else if (allOptions.has(key)) {
      shared[key] = value;
    } else {
      errors.push(`${label}: unknown option '${key}'${suggestion(key, [...allOptions, ...commandNames])}`);
    }
  }
  if (errors.length > 0) {
    throw new ConfigurationError(errors.join('\n'));
  }
  return { label, shared, sections };
}

/** The file's values for one command: its section over the shared top level. */
export function settingsFor(file: SettingsFile, command: CommandSpec): Record<string, unknown> {
  const names = new Set(Object.keys(command.options).map(kebab));
  const shared = Object.fromEntries(Object.entries(file.shared).filter(([name]) => names.has(name)));
  return { ...shared, ...(file.sections[command.name] ?? {}) };
}
