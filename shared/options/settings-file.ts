import { parse } from 'yaml';
import { ConfigurationError } from '../errors.js';
import type { CommandSpec } from './commands.js';
import { kebab, publicNames, suggestion } from './names.js';

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
  // Per command: every public name (aliases too) → the option's own name.
  const namesOf = new Map(commands.map((c) => [c.name, nameMap(c)]));
  const meanings = new Map<string, Map<string, string[]>>();
  for (const [commandName, names] of namesOf) {
    for (const [name, canonical] of names) {
      const byCanonical = meanings.get(name) ?? new Map<string, string[]>();
      byCanonical.set(canonical, [...(byCanonical.get(canonical) ?? []), commandName]);
      meanings.set(name, byCanonical);
    }
  }

  const errors: string[] = [];
  const shared: Record<string, unknown> = {};
  const sections: Record<string, Record<string, unknown>> = {};
  for (const [key, value] of Object.entries(document)) {
    if (commandNames.has(key)) {
      if (!isMapping(value)) {
        errors.push(`${label}: section '${key}' must be a mapping of option names to values`);
        continue;
      }
      const known = namesOf.get(key)!;
      for (const name of Object.keys(value)) {
        if (!known.has(name)) {
          errors.push(
            `${label}: unknown option '${key}.${name}' for ${key}${suggestion(name, known.keys())}`,
          );
        }
      }
      errors.push(...bothNames(label, `${key}.`, value, known));
      sections[key] = value;
    } else if (meanings.has(key)) {
      const byCanonical = meanings.get(key)!;
      if (byCanonical.size > 1) {
        // An old name that means different options in different commands (username: the OpenStack
        // user for deploy, the SSH user for manage) is not guessed at.
        const which = [...byCanonical].map(([canonical, names]) => `'${canonical}' for ${names.join(', ')}`);
        errors.push(
          `${label}: '${key}' at the top level is ambiguous: it is ${which.join(' and ')}. ` +
            `Write the option's own name, or put '${key}' in a command's section.`,
        );
        continue;
      }
      shared[key] = value;
    } else {
      errors.push(
        `${label}: unknown option '${key}'${suggestion(key, [...meanings.keys(), ...commandNames])}`,
      );
    }
  }
  errors.push(
    ...bothNames(label, '', shared, new Map([...meanings].map(([name, m]) => [name, [...m.keys()][0]!]))),
  );
  if (errors.length > 0) {
    throw new ConfigurationError(errors.join('\n'));
  }
  return { label, shared, sections };
}

function nameMap(command: CommandSpec): Map<string, string> {
  return new Map(
    Object.entries(command.options).flatMap(([key, spec]) =>
      publicNames(key, spec).map((n) => [n, kebab(key)]),
    ),
  );
}

/** An option written under its own name and an old one in the same mapping. */
function bothNames(
  label: string,
  prefix: string,
  mapping: Record<string, unknown>,
  names: ReadonlyMap<string, string>,
): string[] {
  const seen = new Map<string, string>();
  const errors: string[] = [];
  for (const name of Object.keys(mapping)) {
    const canonical = names.get(name);
    if (canonical === undefined) continue;
    const other = seen.get(canonical);
    if (other !== undefined) {
      errors.push(
        `${label}: '${prefix}${other}' and '${prefix}${name}' set the same option '${canonical}': keep one`,
      );
    }
    seen.set(canonical, name);
  }
  return errors;
}

/** A value from the file, with the name it was written under (for error messages). */
export interface FileSetting {
  readonly name: string;
  readonly value: unknown;
}

/** The file's values for one command, by the option's own name: its section over the shared top level. */
export function settingsFor(file: SettingsFile, command: CommandSpec): Record<string, FileSetting> {
  const names = nameMap(command);
  const settings: Record<string, FileSetting> = {};
  for (const scope of [file.shared, file.sections[command.name] ?? {}]) {
    for (const [name, value] of Object.entries(scope)) {
      const canonical = names.get(name);
      if (canonical !== undefined) settings[canonical] = { name, value };
    }
  }
  return settings;
}
