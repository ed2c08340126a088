import { beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FFDHE2048 } from '../../../shared/recipe/web-server.js';
import type { RenderedRecipe } from '../../../shared/recipe/render.js';
import {
  apacheConfig,
  cilStatements,
  directiveText,
  docBlock,
  docRows,
  iniEntries,
  nginxConfig,
  pythonAssignments,
  shellWords,
  type ConfigNode,
  type DocRow,
} from './conformance-parsers.js';
import { render, run, tempDir, writeTemp } from './helpers.js';
import {
  DISTROS,
  provision,
  type Call,
  type Distro,
  type Provisioned,
  type Web,
} from './provision-sandbox.js';

/**
 * docs/indico-conformance.md compares the recipe with Indico 3.3's production guide in tables; this
 * test reads those tables and checks every row on every supported distribution and web server, against
 * what the real provisioning script did and wrote in a sandbox (provision-sandbox.ts). A row whose kind
 * has no check, a file line no row names, or a status the values contradict fails the test, so the
 * table and the recipe cannot drift apart.
 */

const HOST = 'indico.example.org';
const MARKDOWN = readFileSync(
  fileURLToPath(new URL('../../../docs/indico-conformance.md', import.meta.url)),
  'utf8',
);
const ROWS = docRows(MARKDOWN);
const NONE = '(none)';
const WEBS: readonly Web[] = ['nginx', 'apache'];
const SCOPES = new Set<string>([...DISTROS.map((d) => d.key), 'deb', 'el', ...WEBS]);
const UNIT_FILES: Readonly<Record<string, string>> = {
  uwsgi: 'indico-uwsgi.service',
  celery: 'indico-celery.service',
  beat: 'indico-celery-beat.service',
};
const RECIPES: Readonly<Record<Web, RenderedRecipe>> = {
  nginx: render({ 'server-hostname': HOST, 'web-server': 'nginx' }),
  apache: render({ 'server-hostname': HOST, 'web-server': 'apache' }),
};

/** How a kind's values relate to its status: the same list, the same set, or no rule (prose checks). */
type StatusRule = 'list' | 'set' | 'free';

interface Kind {
  readonly rule: StatusRule;
  /** Where every row of the kind applies besides its own scope (the file exists only there). */
  readonly implicit?: readonly string[];
  check(row: DocRow, env: Env): void;
}

function values(spans: readonly string[]): string[] {
  if (spans.includes(NONE)) {
    if (spans.length > 1) throw new Error(`${NONE} with other values: ${spans.join(', ')}`);
    return [];
  }
  return [...spans];
}

const words = (text: string): string => text.replace(/\s+/g, ' ').trim();

/** The guide's placeholders as the test renders them: YOURHOSTNAME, and ~ for Indico's home. */
function fromGuide(text: string): string {
  return words(text.replaceAll('YOURHOSTNAME', HOST).replaceAll('~/', '/opt/indico/'));
}

function guideValues(row: DocRow): string[] {
  return values(row.guide).map(fromGuide);
}

function indicovmValues(row: DocRow, env?: Env): string[] {
  return values(row.indicovm).map((value) => words(env ? env.subst(value) : value));
}

function applies(row: DocRow, distro: Distro, web: Web): boolean {
  const scope = [...row.scope, ...(KINDS[row.kind]?.implicit ?? [])];
  const places = scope.filter((token) => !WEBS.includes(token as Web));
  const webs = scope.filter((token) => WEBS.includes(token as Web));
  return (
    (places.length === 0 || places.includes(distro.key) || places.includes(distro.family)) &&
    (webs.length === 0 || webs.includes(web))
  );
}

/** The script's run, with its files parsed on first use. */
class Env {
  private readonly cache = new Map<string, unknown>();
  constructor(readonly done: Provisioned) {}

  get distro(): Distro {
    return this.done.distro;
  }

  get web(): Web {
    return this.done.web;
  }

  memo<T>(key: string, make: () => T): T {
    if (!this.cache.has(key)) this.cache.set(key, make());
    return this.cache.get(key) as T;
  }

  /** The generated secrets in place of the doc's <SECRET_KEY>, <DB_PASSWORD>, <REDIS_PASSWORD>. */
  subst(text: string): string {
    return text.replace(/<(SECRET_KEY|DB_PASSWORD|REDIS_PASSWORD)>/g, (_all, name: string) => {
      const secret = this.done.secrets[name];
      if (secret === undefined) throw new Error(`no ${name} in secrets.env`);
      return secret;
    });
  }

  rows(kind: string): DocRow[] {
    return ROWS.filter((row) => row.kind === kind && applies(row, this.distro, this.web));
  }

  get calls(): readonly Call[] {
    return this.done.calls;
  }

  packages(): Set<string> {
    return this.memo('packages', () => {
      const installed = new Set<string>();
      for (const call of this.calls) {
        if ((call.name !== 'apt-get' && call.name !== 'dnf') || call.args[0] !== 'install') continue;
        for (let i = 1; i < call.args.length; i++) {
          const arg = call.args[i]!;
          if (arg === '-o') i++;
          else if (!arg.startsWith('-')) installed.add(arg);
        }
      }
      return installed;
    });
  }

  apachePath(): string {
    return this.distro.family === 'deb'
      ? '/etc/apache2/sites-available/indico.conf'
      : '/etc/httpd/conf.d/indico.conf';
  }
}

/** A span like `cmd word …` matches a call of cmd whose arguments include every word. */
function callMatches(span: string, call: Call): boolean {
  const [command, ...needed] = shellWords(span);
  const name = command === 'python' ? /^python/.test(call.name) : basename(command!) === call.name;
  return name && needed.every((word) => call.args.includes(word));
}

function expectRow<T>(row: DocRow, actual: T, expected: T): void {
  expect({ row: row.id, value: actual }).toEqual({ row: row.id, value: expected });
}

/** The row's values must be there; what only the guide's column names must not. */
function membership(row: DocRow, env: Env, present: (value: string) => boolean): void {
  const ours = indicovmValues(row, env);
  for (const value of ours) expectRow(row, { value, present: present(value) }, { value, present: true });
  for (const value of guideValues(row).filter((value) => !ours.includes(value))) {
    expectRow(row, { guideOnly: value, present: present(value) }, { guideOnly: value, present: false });
  }
}

function fileLines(env: Env, path: string): string[] {
  return env.done.read(path).split('\n');
}

// nginx and Apache: a target `a>b>c` walks blocks a and b (by their header, or a prefix of it) to the
// directives named c, or to block c itself.

function header(node: ConfigNode): string {
  return [node.name, ...node.args].join(' ');
}

function pickBlock(
  nodes: readonly ConfigNode[],
  segment: string,
  label?: (node: ConfigNode) => string | undefined,
) {
  const blocks = nodes.filter((node) => node.children);
  const byLabel = label ? blocks.filter((node) => label(node) === segment) : [];
  if (byLabel.length > 0) return byLabel;
  const exact = blocks.filter((node) => header(node) === segment || node.name === segment);
  if (exact.length > 0) return exact;
  return blocks.filter((node) => header(node).startsWith(segment));
}

function resolve(
  top: readonly ConfigNode[],
  target: string,
  label: (node: ConfigNode) => string | undefined,
): ConfigNode[] {
  const segments = target.split('>');
  let scope: readonly ConfigNode[] = top;
  for (const segment of segments.slice(0, -1)) {
    const blocks = pickBlock(scope, segment, label);
    if (blocks.length !== 1) throw new Error(`${target}: ${blocks.length} blocks match ${segment}`);
    scope = blocks[0]!.children!;
  }
  const last = segments.at(-1)!;
  const directives = scope.filter((node) => !node.children && node.name === last);
  if (directives.length > 0) return directives;
  const blocks = pickBlock(scope, last, label);
  if (blocks.length > 1) throw new Error(`${target}: ${blocks.length} blocks match ${last}`);
  return blocks;
}

function everyNode(nodes: readonly ConfigNode[], skip: (node: ConfigNode) => boolean): ConfigNode[] {
  return nodes.flatMap((node) => [...(skip(node) ? [] : [node]), ...everyNode(node.children ?? [], skip)]);
}

function treeKind(
  style: 'nginx' | 'apache',
  tree: (env: Env) => ConfigNode[],
  label: (node: ConfigNode) => string | undefined,
  container: (node: ConfigNode) => boolean,
): Kind {
  return {
    rule: 'list',
    implicit: [style],
    check(row, env) {
      const top = tree(env);
      if (row.target === '*') {
        const covered = new Set(
          env
            .rows(row.kind)
            .filter((other) => other.target !== '*')
            .flatMap((other) => resolve(top, other.target, label)),
        );
        const unnamed = everyNode(top, container)
          .filter((node) => !covered.has(node))
          .map((node) => directiveText(node, style));
        expectRow(row, unnamed, []);
        return;
      }
      const found = resolve(top, row.target, label).map((node) => words(directiveText(node, style)));
      expectRow(row, found, indicovmValues(row, env));
    },
  };
}

const nginxServer = (node: ConfigNode): string | undefined =>
  node.name !== 'server'
    ? undefined
    : node.children!.some((child) => child.name === 'listen' && child.args.includes('ssl'))
      ? 'https'
      : 'http';

const apacheHost = (node: ConfigNode): string | undefined =>
  node.name === 'VirtualHost' ? node.args[0]!.replace(/^\*:/, '') : undefined;

function iniKind(
  files: (row: DocRow) => string[],
  address: (row: DocRow) => { section: string; key: string },
  text: (key: string, value: string) => string,
): Kind {
  return {
    rule: 'list',
    check(row, env) {
      for (const file of files(row)) {
        const entries = iniEntries(env.done.read(file));
        const { section, key } = address(row);
        if (key === '*') {
          const named = env
            .rows(row.kind)
            .filter((other) => files(other).includes(file) && address(other).key !== '*')
            .map((other) => `${address(other).section}>${address(other).key}`);
          const unnamed = entries.filter((e) => !named.includes(`${e.section}>${e.key}`));
          expectRow(
            row,
            unnamed.map((e) => `[${e.section}] ${text(e.key, e.value)}`),
            [],
          );
          continue;
        }
        const found = entries.filter((e) => e.section === section && e.key === key);
        expectRow(
          row,
          { file, lines: found.map((e) => words(text(e.key, e.value))) },
          {
            file,
            lines: indicovmValues(row, env),
          },
        );
      }
    },
  };
}

/** indico.conf as Python reads it, and each conf row's values read by Python the same way. */
function confValues(env: Env): { actual: [string, string][]; expected: Map<DocRow, string[]> } {
  return env.memo('conf', () => {
    const rows = env.rows('conf').filter((row) => row.target !== '*');
    const lines = rows.flatMap((row) => indicovmValues(row, env).map((value) => ({ row, value })));
    const [actual, parsed] = pythonAssignments([
      env.done.read('/opt/indico/etc/indico.conf'),
      lines.map((line) => line.value).join('\n') + '\n',
    ]);
    const expected = new Map<DocRow, string[]>(rows.map((row) => [row, []]));
    lines.forEach((line, index) => {
      const [name, value] = parsed![index]!;
      if (name !== line.row.target) throw new Error(`${line.row.id}: a value for ${name}`);
      expected.get(line.row)!.push(`${name} = ${value}`);
    });
    return { actual: actual!, expected };
  });
}

let detectScript: string | undefined;
const detected = new Map<string, boolean>();

/** The script's own distribution detection (--detect-only) on an os-release of `id version`. */
function detects(span: string): boolean {
  const known = detected.get(span);
  if (known !== undefined) return known;
  detectScript ??= writeTemp(tempDir('detect'), 'provision.sh', RECIPES.nginx.script, 0o755);
  const [id, version] = span.split(' ');
  const osRelease = writeTemp(tempDir('os-release'), 'os-release', `ID=${id}\nVERSION_ID="${version}"\n`);
  const result = run('sh', [detectScript, '--detect-only'], {
    env: { ...process.env, INDICOVM_OS_RELEASE: osRelease },
  });
  const answer = result.status === 0 && result.stdout.includes(` id=${id} version=${version}`);
  detected.set(span, answer);
  return answer;
}

const KINDS: Readonly<Record<string, Kind>> = {
  distro: {
    rule: 'set',
    check(row, env) {
      const version = env.distro.osRelease.VERSION_ID!;
      const self = `${env.distro.osRelease.ID} ${env.distro.family === 'el' ? version.split('.')[0] : version}`;
      expectRow(row, indicovmValues(row).includes(self), true);
      membership(row, env, detects);
    },
  },
  packages: {
    rule: 'set',
    check: (row, env) => membership(row, env, (name) => env.packages().has(name)),
  },
  calls: {
    rule: 'set',
    check: (row, env) => membership(row, env, (span) => env.calls.some((call) => callMatches(span, call))),
  },
  nocall: {
    rule: 'free',
    check(row, env) {
      for (const span of indicovmValues(row)) {
        expectRow(
          row,
          env.calls.filter((call) => callMatches(span, call)),
          [],
        );
      }
    },
  },
  sql: {
    rule: 'set',
    check: (row, env) => membership(row, env, (line) => env.done.psqlStdin.split('\n').includes(line)),
  },
  hba: {
    rule: 'set',
    check(row, env) {
      const rules = fileLines(env, env.done.hbaPath).filter(
        (line) => line.trim() !== '' && !line.startsWith('#'),
      );
      membership(row, env, (line) => rules.includes(line));
      // Before the distribution's rules: PostgreSQL takes the first line that matches.
      expectRow(row, rules.slice(0, indicovmValues(row).length), indicovmValues(row));
    },
  },
  file: {
    rule: 'set',
    check(row, env) {
      if (indicovmValues(row).length === 0) {
        expectRow(row, env.done.exists(row.target), false);
        return;
      }
      const lines = fileLines(env, row.target).map(words);
      membership(row, env, (line) => lines.includes(line));
    },
  },
  absent: {
    rule: 'free',
    check: (row, env) => expectRow(row, env.done.exists(row.target), false),
  },
  link: {
    rule: 'free',
    check: (row, env) => expectRow(row, env.done.link(row.target), row.indicovm[0]),
  },
  copy: {
    rule: 'free',
    check(row, env) {
      expectRow(row, env.done.link(row.target), undefined);
      expectRow(row, env.done.read(row.target), env.done.read(row.indicovm[0]!));
    },
  },
  mode: {
    rule: 'list',
    check: (row, env) => expectRow(row, [env.done.mode(row.target)], indicovmValues(row)),
  },
  owner: {
    rule: 'list',
    check(row, env) {
      for (const path of row.target.split(',')) {
        expectRow(row, { path, owner: [env.done.owner(path)] }, { path, owner: indicovmValues(row) });
      }
    },
  },
  dhparam: {
    rule: 'free',
    check(row, env) {
      expectRow(row, docBlock(MARKDOWN, 'ffdhe2048'), FFDHE2048);
      expectRow(row, env.done.read(row.target), FFDHE2048);
    },
  },
  python: {
    rule: 'free',
    check(row, env) {
      const chosen = /^ {4}Python: (\S+) \(Python (3)\.(\d+)\.(\d+)\)$/m.exec(env.done.stdout);
      expect(chosen).not.toBeNull();
      const [, path, major, minor, micro] = chosen!;
      if (row.target === 'version') {
        expectRow(row, [Number(major), Number(minor), Number(micro) >= 2], [3, 12, true]);
        return;
      }
      expectRow(row, env.distro.key, row.target);
      const from = row.indicovm[0];
      if (from === 'uv') {
        expectRow(row, path!.startsWith('/opt/indico/.python/'), true);
      } else {
        expectRow(row, path, `/usr/local/sbin/${from}`);
        expectRow(row, `${major}.${minor}.${micro}`, env.distro.pythons[from!]);
      }
    },
  },
  ini: iniKind(
    () => ['/etc/uwsgi-indico.ini'],
    (row) => ({ section: 'uwsgi', key: row.target }),
    (key, value) => `${key} = ${value}`,
  ),
  unit: iniKind(
    (row) =>
      row.target
        .split('>')[0]!
        .split(',')
        .map((alias) => {
          if (!UNIT_FILES[alias]) throw new Error(`${row.id}: no unit ${alias}`);
          return `/etc/systemd/system/${UNIT_FILES[alias]}`;
        }),
    (row) => {
      const [, section, key] = row.target.split('>');
      return key === undefined ? { section: '*', key: section! } : { section: section!, key };
    },
    (key, value) => `${key}=${value}`,
  ),
  conf: {
    rule: 'list',
    check(row, env) {
      const { actual, expected } = confValues(env);
      if (row.target === '*') {
        const named = env.rows('conf').map((other) => other.target);
        expectRow(
          row,
          actual.map(([name]) => name).filter((name) => !named.includes(name)),
          [],
        );
        return;
      }
      const found = actual
        .filter(([name]) => name === row.target)
        .map(([name, value]) => `${name} = ${value}`);
      expectRow(row, found, expected.get(row) ?? []);
    },
  },
  nginx: treeKind(
    'nginx',
    (env) => env.memo('nginx', () => nginxConfig(env.done.read('/etc/nginx/conf.d/indico.conf'))),
    nginxServer,
    (node) => node.name === 'server',
  ),
  apache: treeKind(
    'apache',
    (env) => env.memo('apache', () => apacheConfig(env.done.read(env.apachePath()))),
    apacheHost,
    () => false,
  ),
  cil: {
    rule: 'set',
    implicit: ['el'],
    check(row, env) {
      const statements = cilStatements(env.done.read('/etc/indicovm/indicovm.cil'));
      const normalized = (span: string): string => cilStatements(span)[0]!;
      const ours = indicovmValues(row).map(normalized);
      for (const statement of ours) expectRow(row, statements.includes(statement), true);
      for (const statement of guideValues(row)
        .map(normalized)
        .filter((s) => !ours.includes(s))) {
        expectRow(
          row,
          { guideOnly: statement, present: statements.includes(statement) },
          {
            guideOnly: statement,
            present: false,
          },
        );
      }
    },
  },
};

describe('docs/indico-conformance.md', () => {
  test('has check tables whose rows have a known kind, known scopes and unique ids', () => {
    expect(ROWS.length).toBeGreaterThan(150);
    const problems = ROWS.flatMap((row) => [
      ...(KINDS[row.kind] ? [] : [`line ${row.line}: ${row.id}: no check for kind ${row.kind}`]),
      ...row.scope
        .filter((token) => !SCOPES.has(token))
        .map((token) => `line ${row.line}: unknown scope ${token}`),
      ...(/^(same|differs)\b/.test(row.status)
        ? []
        : [`line ${row.line}: status is neither same nor differs`]),
      ...(row.indicovm.length === 0 && KINDS[row.kind]?.rule !== 'free' && !row.target.endsWith('*')
        ? [`line ${row.line}: no value in the indicovm column`]
        : []),
    ]);
    const ids = ROWS.map((row) => row.id);
    const repeated = ids.filter((id, index) => ids.indexOf(id) !== index);
    expect({ problems, repeated }).toEqual({ problems: [], repeated: [] });
  });

  test('every row is checked on at least one distribution and web server', () => {
    const nowhere = ROWS.filter((row) => !DISTROS.some((d) => WEBS.some((web) => applies(row, d, web))));
    expect(nowhere.map((row) => row.id)).toEqual([]);
  });

  test('a row says "same" exactly when its guide and indicovm values are the same', () => {
    const wrong = ROWS.filter((row) => KINDS[row.kind]?.rule !== 'free' && !row.target.endsWith('*')).flatMap(
      (row) => {
        const guide = guideValues(row);
        const ours = indicovmValues(row);
        const same =
          KINDS[row.kind]!.rule === 'list'
            ? guide.join('\n') === ours.join('\n')
            : guide.length === ours.length && guide.every((value) => ours.includes(value));
        const status = same ? 'same' : 'differs';
        return row.status.startsWith(status) ? [] : [`line ${row.line}: ${row.id} should say ${status}`];
      },
    );
    expect(wrong).toEqual([]);
  });
});

describe.each(DISTROS.map((distro) => [distro.key, distro] as const))('%s', (_key, distro) => {
  describe.each(WEBS)('with %s', (web) => {
    let env: Env;
    beforeAll(() => {
      env = new Env(provision(RECIPES[web], distro, web));
    });

    test('the provisioning script runs to the end', () => {
      expect({ status: env.done.status, stderr: env.done.stderr }).toEqual({
        status: 0,
        stderr: expect.any(String),
      });
      expect(env.done.stdout).toContain(`Indico answers at https://${HOST}`);
    });

    const rows = ROWS.filter((row) => KINDS[row.kind] && applies(row, distro, web));
    test.each(rows.map((row) => [row.id, row] as const))('%s', (_id, row) => {
      KINDS[row.kind]!.check(row, env);
    });
  });
});

describe('EL with Apache', () => {
  test('an httpd that already loads mod_proxy_uwsgi gets no second LoadModule', () => {
    const rocky = DISTROS.find((distro) => distro.key === 'rocky-9')!;
    const done = provision(RECIPES.apache, rocky, 'apache', {
      seed: {
        '/etc/httpd/conf.modules.d/00-proxy.conf':
          'LoadModule proxy_uwsgi_module modules/mod_proxy_uwsgi.so\n',
      },
    });
    expect(done.status).toBe(0);
    expect(done.exists('/etc/httpd/conf.modules.d/proxy_uwsgi.conf')).toBe(false);
  });
});
