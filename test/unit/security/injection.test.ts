// Hostile values in every option of every command: each is refused by resolveOptions with a
// ConfigurationError naming the option, or accepted; every accepted recipe value is rendered into the
// provisioning script, which must parse (sh -n) and run up to distribution detection without the
// canary file ever appearing. Quoting is checked byte-exact through a real `sh -c`.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '../../../shared/errors.js';
import { recipeOptions } from '../../../shared/options/catalog/recipe.js';
import { COMMANDS, renderScriptCommand, type CommandSpec } from '../../../shared/options/commands.js';
import { kebab } from '../../../shared/options/names.js';
import { resolveOptions } from '../../../shared/options/resolve.js';
import { renderRecipe, type RecipeOptions } from '../../../shared/recipe/render.js';
import { UNSUPPORTED_EXIT } from '../../../shared/recipe/script-library.js';
import { Secret } from '../../../shared/secret.js';
import { commandLine, quote } from '../../../shared/shell/quote.js';
import { hostileValues } from '../../security/hostile-values.js';
import { tally } from '../../security/tally.js';

let dir: string;
let canary: string;
let values: ReturnType<typeof hostileValues>;
const counts = {
  values: 0,
  inputs: 0,
  tries: 0,
  rejections: 0,
  accepted: 0,
  literalCarries: 0,
  scriptRuns: 0,
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'indicovm-injection-'));
  canary = join(dir, 'CANARY');
  values = hostileValues(canary);
  counts.values = values.length;
});

afterAll(() => {
  const executed = existsSync(canary);
  tally(
    'injection sweep',
    { hostileValues: counts.values, hostileTries: counts.tries, executions: executed ? 1 : 0 },
    executed ? ['the canary file was created'] : [],
  );
  console.log(
    `injection: ${counts.values} hostile values, ${counts.inputs} inputs covered, ${counts.tries} tries, ` +
      `${counts.rejections} rejections, ${counts.accepted} accepted, ${counts.literalCarries} literal carries ` +
      `into the script, ${counts.scriptRuns} script runs, executions: ${executed ? 1 : 0}`,
  );
  rmSync(dir, { recursive: true, force: true });
});

type Outcome = { accepted: true; value: unknown } | { accepted: false; message: string };

function tryOption(command: CommandSpec, key: string, raw: string): Outcome {
  try {
    const resolved = resolveOptions(command, {
      explicit: { [kebab(key)]: raw },
      explicitKind: 'input',
      env: {},
    });
    return { accepted: true, value: (resolved.values as Record<string, unknown>)[key] };
  } catch (error) {
    if (!(error instanceof ConfigurationError)) {
      throw new Error(`${command.name} ${kebab(key)}: not a ConfigurationError: ${String(error)}`);
    }
    return { accepted: false, message: error.message };
  }
}

describe('every option of every command', () => {
  it('refuses a hostile value with a ConfigurationError naming the option, or accepts it as a checked value', () => {
    const problems: string[] = [];
    for (const command of COMMANDS) {
      for (const [key, spec] of Object.entries(command.options)) {
        counts.inputs++;
        for (const { label, value } of values) {
          counts.tries++;
          const outcome = tryOption(command, key, value);
          if (!outcome.accepted) {
            counts.rejections++;
            if (!outcome.message.includes(`input '${kebab(key)}'`)) {
              problems.push(
                `${command.name} ${kebab(key)} (${label}): error does not name it: ${outcome.message}`,
              );
            }
            if (spec.secret && outcome.message.includes(value)) {
              problems.push(`${command.name} ${kebab(key)} (${label}): secret echoed in the error`);
            }
            continue;
          }
          counts.accepted++;
          if (value.includes('\0')) {
            problems.push(`${command.name} ${kebab(key)} accepted a NUL byte`);
          }
          if (/^(port|integer|duration|size)/.test(spec.type) && typeof outcome.value !== 'number') {
            problems.push(
              `${command.name} ${kebab(key)} (${label}): ${spec.type} gave ${typeof outcome.value}`,
            );
          }
          if (spec.choices && !spec.choices.includes(String(outcome.value))) {
            problems.push(`${command.name} ${kebab(key)} (${label}): accepted outside its choices`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
    expect(counts.rejections).toBeGreaterThan(0);
  });

  it('refuses hostile host names, ports, e-mails, URLs and numbers outright', () => {
    const strict = ['hostname', 'port', 'email', 'url', 'integer', 'duration', 'size', 'choice'];
    const shellish = values.filter(
      ({ value }) => /[$`;|&\n\r\0]/.test(value) || /[\u0430\uff1b]/.test(value),
    );
    const accepted: string[] = [];
    for (const command of COMMANDS) {
      for (const [key, spec] of Object.entries(command.options)) {
        if (!strict.some((kind) => spec.type.startsWith(kind)) && !spec.choices) {
          continue;
        }
        for (const { label, value } of shellish) {
          // '$', '(' and ';' are legal in a URL path: a URL is judged by its control characters below.
          if (spec.type === 'url' && !/[\r\n\t]/.test(value) && !value.includes('\0')) {
            continue;
          }
          if (tryOption(command, key, value).accepted) {
            accepted.push(`${command.name} ${kebab(key)} (${spec.type}) accepted ${label}`);
          }
        }
      }
    }
    expect(accepted).toEqual([]);
  });
});

describe('url options', () => {
  // The WHATWG parser silently drops CR, LF and tab, so `new URL(value)` alone would accept a URL with
  // an embedded CRLF and the raw text would travel on (into PIP_INDEX_URL, for one).
  it('refuse a URL with an embedded CRLF', () => {
    const outcome = tryOption(
      renderScriptCommand,
      'pipIndexUrl',
      'https://mirror.example.org/\r\nX-Injected: 1',
    );
    expect(outcome.accepted).toBe(false);
  });
});

describe('the provisioning script with hostile recipe values', () => {
  const osRelease = (): string => {
    const file = join(dir, 'os-release');
    writeFileSync(file, 'ID=hostile\nVERSION_ID=0\n');
    return file;
  };

  it('parses and runs to distribution detection without executing any of them', () => {
    const release = osRelease();
    const seen = new Set<string>();
    const problems: string[] = [];
    const scriptFile = join(dir, 'provision.sh');
    for (const key of Object.keys(recipeOptions)) {
      for (const { label, value } of values) {
        const outcome = tryOption(renderScriptCommand, key, value);
        if (!outcome.accepted) {
          continue;
        }
        let script: string;
        let files: readonly { content: string }[];
        try {
          const options = resolveOptions(renderScriptCommand, {
            explicit: { [kebab(key)]: value },
            explicitKind: 'input',
            env: {},
          }).values as unknown as RecipeOptions;
          ({ script, files } = renderRecipe(options));
        } catch (error) {
          if (!(error instanceof ConfigurationError)) {
            problems.push(`${kebab(key)} (${label}): render failed with ${String(error)}`);
          } else {
            counts.rejections++;
          }
          continue;
        }
        const carried = outcome.value instanceof Secret ? outcome.value.reveal() : String(outcome.value);
        if (
          script.includes(quote(carried)) ||
          script.includes(carried) ||
          files.some((f) => f.content.includes(carried))
        ) {
          counts.literalCarries++;
        }
        const digest = createHash('sha256').update(script).digest('hex');
        if (seen.has(digest)) {
          continue;
        }
        seen.add(digest);
        writeFileSync(scriptFile, script);
        const syntax = spawnSync('sh', ['-n', scriptFile], { encoding: 'utf8' });
        if (syntax.status !== 0) {
          problems.push(`${kebab(key)} (${label}): sh -n failed: ${syntax.stderr}`);
          continue;
        }
        const run = spawnSync('sh', [scriptFile], {
          cwd: dir,
          encoding: 'utf8',
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', INDICOVM_OS_RELEASE: release },
          timeout: 30_000,
        });
        counts.scriptRuns++;
        const root = process.getuid?.() === 0;
        const expected = root ? UNSUPPORTED_EXIT : 1;
        const message = root ? 'unsupported distribution' : 'run this script as root';
        if (run.status !== expected || !run.stderr.includes(message)) {
          problems.push(`${kebab(key)} (${label}): exit ${run.status}: ${run.stderr.slice(0, 300)}`);
        }
        if (existsSync(canary)) {
          problems.push(`${kebab(key)} (${label}): the canary was created`);
          rmSync(canary);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(counts.scriptRuns).toBeGreaterThan(10);
    expect(counts.literalCarries).toBeGreaterThan(0);
    expect(readdirSync(dir).filter((name) => name.includes('CANARY'))).toEqual([]);
  }, 120_000);
});

describe('commandLine', () => {
  it('carries every hostile value byte-exact through a real sh -c, and refuses NUL', () => {
    let carried = 0;
    for (const { label, value } of values) {
      if (value.includes('\0')) {
        expect(() => commandLine(['printf', '%s', value])).toThrow(/NUL/);
        continue;
      }
      const result = spawnSync('sh', ['-c', commandLine(['printf', '%s', value])], { cwd: dir });
      expect({ label, status: result.status, out: result.stdout.toString('utf8') }).toEqual({
        label,
        status: 0,
        out: value,
      });
      carried++;
    }
    expect(carried).toBe(values.length - values.filter(({ value }) => value.includes('\0')).length);
    expect(existsSync(canary)).toBe(false);
  });
});
