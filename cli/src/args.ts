import { existsSync } from 'node:fs';
import { ConfigurationError } from '../../shared/errors.js';
import type { CommandSpec } from '../../shared/options/commands.js';
import { kebab, publicNames, suggestion } from '../../shared/options/names.js';

export interface ParsedArgs {
  readonly help: boolean;
  readonly verbose: boolean;
  readonly values: Record<string, string | boolean>;
}

/**
 * Flags come from the command's options: `--name value`, `--name=value`, a bare `--flag` for true and
 * `--no-flag` for false. A repeated flag adds a line (lists take one item per line). Positional
 * arguments fill the command's positional option.
 */
export function parseArgs(command: CommandSpec, argv: readonly string[]): ParsedArgs {
  const offered = Object.entries(command.options).filter(([, spec]) => !spec.actionOnly);
  const types = new Map(offered.flatMap(([key, spec]) => publicNames(key, spec).map((n) => [n, spec.type])));
  const actionOnly = new Set(
    Object.entries(command.options)
      .filter(([, spec]) => spec.actionOnly)
      .map(([key]) => kebab(key)),
  );
  const values: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  let help = false;
  let verbose = false;
  const add = (name: string, value: string | boolean): void => {
    const previous = values[name];
    values[name] =
      typeof previous === 'string' && typeof value === 'string' ? `${previous}\n${value}` : value;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      help = true;
    } else if (arg === '--verbose' || arg === '-v') {
      verbose = true;
    } else if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    } else if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      let name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      if (name === 'config') {
        name = 'config-file';
      }
      const negated = name.startsWith('no-') && types.get(name.slice(3)) === 'boolean';
      const type = types.get(negated ? name.slice(3) : name);
      if (type === undefined && (actionOnly.has(name) || actionOnly.has(name.replace(/^no-/, '')))) {
        throw new ConfigurationError(
          `Option --${name} exists only in the action (workflow artifacts); the CLI leaves its files in place.`,
        );
      }
      if (type === undefined) {
        throw new ConfigurationError(
          `Unknown option --${name} for ${command.name}${suggestion(name, types.keys())}`,
        );
      }
      if (type === 'boolean' && eq === -1 && !negated && /^(true|false)$/.test(argv[i + 1] ?? '')) {
        // `--verify false`, as people write it, besides --no-verify and --verify=false.
        add(name, argv[++i]!);
      } else if (type === 'boolean') {
        add(negated ? name.slice(3) : name, eq === -1 ? !negated : arg.slice(eq + 1));
      } else if (eq !== -1) {
        add(name, arg.slice(eq + 1));
      } else if (i + 1 < argv.length) {
        add(name, argv[++i]!);
      } else {
        throw new ConfigurationError(`Option --${name} needs a value.`);
      }
    } else if (arg.startsWith('-') && arg !== '-') {
      throw new ConfigurationError(`Unknown flag ${arg}; options are written --name value (see --help).`);
    } else {
      positionals.push(arg);
    }
  }
  if (positionals.length > 0) {
    const positional = command.positional;
    if (!positional) {
      throw new ConfigurationError(`${command.name} takes no arguments, got: ${positionals.join(' ')}`);
    }
    add(kebab(positional.option), positionals.join('\n'));
  }
  return { help, verbose, values };
}

/**
 * A secret value typed as a flag is readable by every local user (ps, /proc/<pid>/cmdline) and stays in
 * the shell history: say so, and where it belongs instead. A path to a file holding the secret (a key
 * file) is not itself a secret.
 */
export function secretFlagWarnings(command: CommandSpec, values: ParsedArgs['values']): string[] {
  return Object.entries(command.options)
    .filter(([, spec]) => spec.secret)
    .flatMap(([key, spec]) => publicNames(key, spec).map((name) => ({ name, spec })))
    .filter(({ name }) => {
      const value = values[name];
      return typeof value === 'string' && value !== '' && !existsSync(value);
    })
    .map(({ name, spec }) => {
      const env = spec.env.length > 0 ? ` or set ${spec.env.join(' / ')}` : '';
      return (
        `--${name} was given on the command line, where other local users can read it (ps) and the ` +
        `shell history keeps it: put it in indicovm.yml (mode 0600)${env} instead.`
      );
    });
}
