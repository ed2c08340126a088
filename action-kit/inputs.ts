import * as path from 'node:path';
import type { CommandSpec } from '../shared/options/commands.js';
import type { OptionGroup } from '../shared/options/kinds.js';
import { readSettingsFile } from '../shared/options/load.js';
import { publicNames } from '../shared/options/names.js';
import { resolveOptions, type Resolved } from '../shared/options/resolve.js';
import type { Reporter } from '../shared/report/reporter.js';
import { encodingsOf } from '../shared/secret.js';

/** What @actions/core's getInput does, without its trimming of multi-line values' inner lines. */
function rawInput(name: string): string {
  return (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}

/**
 * Reads a command's settings as the runner hands them over: inputs, then OS_* and similar environment
 * variables, then indicovm.yml in the workspace. Every secret is masked before anything can print it,
 * in every form it may take on its way to a log.
 */
export function readActionOptions<G extends OptionGroup>(
  command: CommandSpec<G>,
  reporter: Reporter,
): Resolved<G> {
  const explicit: Record<string, string> = {};
  for (const [key, spec] of Object.entries(command.options)) {
    for (const name of publicNames(key, spec)) {
      const value = rawInput(name);
      explicit[name] = value;
      if (spec.secret && value) {
        encodingsOf(value).forEach((form) => reporter.mask(form));
      }
    }
    for (const variable of spec.env) {
      const fromEnv = process.env[variable];
      if (spec.secret && fromEnv) {
        encodingsOf(fromEnv).forEach((form) => reporter.mask(form));
      }
    }
  }
  const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
  const configInput = explicit['config-file'];
  const file = readSettingsFile(path.resolve(workspace, configInput || 'indicovm.yml'), Boolean(configInput));
  // Every secret resolved from here on (the file, clouds.yaml later) is registered as it is made.
  return resolveOptions(command, { explicit, explicitKind: 'input', env: process.env, file });
}
