import { ConfigurationError } from '../errors.js';
import type { CommandSpec } from './commands.js';
import { InvalidValue, type OptionGroup, type Values } from './kinds.js';
import { kebab, publicNames, suggestion } from './names.js';
import { settingsFor, type SettingsFile } from './settings-file.js';

export type SourceKind = 'input' | 'flag' | 'env' | 'file' | 'default';

export interface OptionSources {
  /** Action inputs or CLI flags, by kebab-case name; an empty string means "not given". */
  readonly explicit?: Readonly<Record<string, unknown>>;
  readonly explicitKind?: 'input' | 'flag';
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly file?: SettingsFile;
}

export interface Resolved<G extends OptionGroup> {
  readonly values: Values<G>;
  /** Where each value came from; options left unset are absent. */
  readonly sources: Partial<Record<keyof G, SourceKind>>;
}

function describe(kind: SourceKind, name: string, fileLabel: string | undefined, envName?: string): string {
  switch (kind) {
    case 'input':
      return `input '${name}'`;
    case 'flag':
      return `flag --${name}`;
    case 'env':
      return `environment variable ${envName}`;
    case 'file':
      return `'${name}' in ${fileLabel ?? 'the settings file'}`;
    default:
      return `default of '${name}'`;
  }
}

const given = (value: unknown): boolean => value !== undefined && value !== null && value !== '';

/**
 * Merges the sources of one command's settings in the order explicit (inputs or flags) > environment >
 * settings file > defaults, and checks every value. All problems are reported at once, each naming the
 * option and where its value came from, before anything runs.
 */
export function resolveOptions<G extends OptionGroup>(
  command: CommandSpec<G>,
  sources: OptionSources,
): Resolved<G> {
  const explicitKind = sources.explicitKind ?? 'flag';
  const explicit = sources.explicit ?? {};
  const fromFile = sources.file ? settingsFor(sources.file, command) : {};
  const known = new Set(Object.entries(command.options).flatMap(([key, spec]) => publicNames(key, spec)));
  const errors: string[] = [];

  for (const name of Object.keys(explicit)) {
    if (!known.has(name)) {
      const label = explicitKind === 'flag' ? `--${name}` : `input '${name}'`;
      errors.push(`Unknown option ${label} for ${command.name}${suggestion(name, known)}`);
    }
  }

  const values: Record<string, unknown> = {};
  const origin: Record<string, SourceKind> = {};
  for (const [key, spec] of Object.entries(command.options)) {
    const names = publicNames(key, spec);
    const givenNames = names.filter((candidate) => given(explicit[candidate]));
    if (givenNames.length > 1) {
      const label = (n: string) => (explicitKind === 'flag' ? `--${n}` : `input '${n}'`);
      errors.push(
        `Set only one of ${givenNames.map(label).join(' and ')}: ${names.slice(1).join(', ')} ` +
          `is the old name of '${names[0]}'.`,
      );
      continue;
    }
    // The name the value was given under, so that an error names what the user wrote.
    let name = givenNames[0] ?? names[0]!;
    let raw: unknown;
    let kind: SourceKind | undefined;
    let envName: string | undefined;
    if (givenNames.length === 1) {
      raw = explicit[name];
      kind = explicitKind;
    } else if ((envName = spec.env.find((variable) => given(sources.env?.[variable]))) !== undefined) {
      raw = sources.env?.[envName];
      kind = 'env';
    } else if (given(fromFile[names[0]!]?.value)) {
      ({ name, value: raw } = fromFile[names[0]!]!);
      kind = 'file';
    }
    if (kind === undefined) {
      if (spec.default !== undefined) {
        values[key] = spec.default;
        origin[key] = 'default';
      }
      continue;
    }
    try {
      values[key] = spec.parse(raw);
      origin[key] = kind;
    } catch (error) {
      if (!(error instanceof InvalidValue)) {
        throw error;
      }
      // A secret's value is never echoed, not even when it is wrong.
      const shown = spec.secret
        ? ''
        : ` (${JSON.stringify(typeof raw === 'string' && raw.length > 80 ? raw.slice(0, 77) + '...' : raw)})`;
      errors.push(`Invalid ${describe(kind, name, sources.file?.label, envName)}${shown}: ${error.message}.`);
    }
  }
  if (errors.length > 0) {
    throw new ConfigurationError(errors.join('\n'));
  }
  return { values: values as Values<G>, sources: origin as Partial<Record<keyof G, SourceKind>> };
}

/** For checks across options: "Set one of 'image-path', 'image-artifact' or 'source-image'." */
export function requireOne(values: Record<string, unknown>, keys: readonly string[], what: string): void {
  const set = keys.filter((key) => given(values[key]));
  const names = keys.map((key) => `'${kebab(key)}'`);
  if (set.length === 0) {
    throw new ConfigurationError(`${what}: set one of ${names.join(', ')}.`);
  }
  if (set.length > 1) {
    throw new ConfigurationError(
      `${what}: set only one of ${names.join(', ')} (got ${set.map((k) => `'${kebab(k)}'`).join(', ')}).`,
    );
  }
}

export function requireSet(values: Record<string, unknown>, key: string, why: string): void {
  if (!given(values[key])) {
    throw new ConfigurationError(`Missing option '${kebab(key)}': ${why}.`);
  }
}
