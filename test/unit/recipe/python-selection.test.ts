import { describe, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { recipeContext } from '../../../shared/recipe/context.js';
import { pythonSelection, pythonVariables } from '../../../shared/recipe/python.js';
import { variableLines } from '../../../shared/recipe/sh-file.js';
import { LIBRARY } from '../../../shared/recipe/script-library.js';
import { optionsFrom, run, tempDir } from './helpers.js';

/**
 * The provisioning script's choice of a Python for the Indico venv, run for real in sh with a PATH of
 * stubs: python3/python3.12 that claim a version (the script's own version test runs in the real
 * python3 with sys.version_info set to it), runuser, and a pip and uv that record their arguments and
 * environment and, like the real ones, install uv and a managed Python.
 */

const REAL_PYTHON = '/usr/bin/python3';
const TOOLS = ['env', 'mkdir', 'cat', 'chmod', 'sed', 'cut', 'dirname', 'rm', 'cp', 'tr', 'sort'];

function fakePython(version: string): string {
  const [major, minor, micro] = version.split('.').map(Number);
  return `#!/bin/sh
# a fake Python ${version}
case "$1" in
  -c) exec ${REAL_PYTHON} -c "import sys; sys.version_info = (${major}, ${minor}, ${micro}, 'final', 0)
$2" ;;
  -V) echo 'Python ${version}' ;;
  -m)
    [ "$2" = venv ] || exit 2
    mkdir -p "$3/bin"
    cp "$STUBS/pip" "$3/bin/pip"
    ;;
  *) exit 2 ;;
esac
`;
}

const PIP = `#!/bin/sh
printf 'pip %s | PIP_INDEX_URL=%s PIP_EXTRA_INDEX_URL=%s\\n' "$*" "\${PIP_INDEX_URL-unset}" "\${PIP_EXTRA_INDEX_URL-unset}" >> "$CALLS"
case "$*" in *install*uv*) cp "$STUBS/uv" "$(dirname "$0")/uv" ;; esac
`;

const UV = `#!/bin/sh
printf 'uv %s | UV_PYTHON_INSTALL_MIRROR=%s UV_PYTHON_PREFERENCE=%s UV_PYTHON_INSTALL_DIR=%s\\n' "$*" \\
  "\${UV_PYTHON_INSTALL_MIRROR-unset}" "\${UV_PYTHON_PREFERENCE-unset}" "\${UV_PYTHON_INSTALL_DIR-unset}" >> "$CALLS"
[ "$1" = python ] || exit 2
case "$3" in 3.12.*) version=$3 ;; *) version=3.12.8 ;; esac
managed="$UV_PYTHON_INSTALL_DIR/cpython-$version/bin/python3.12"
case "$2" in
  install)
    mkdir -p "$(dirname "$managed")"
    sed "s/@VERSION@/$version/g; s/@MICRO@/\${version#3.12.}/" "$STUBS/python-template" > "$managed"
    chmod 755 "$managed"
    ;;
  find) [ -x "$managed" ] && echo "$managed" ;;
esac
`;

const RUNUSER = `#!/bin/sh
[ "$1 $2 $3" = '-u indico --' ] || { echo "runuser stub: unexpected $*" >&2; exit 2; }
shift 3
exec "$@"
`;

interface Selection {
  readonly status: number | null;
  readonly stderr: string;
  readonly chosen: string | undefined;
  readonly calls: string[];
  readonly root: string;
}

/** Runs the Python selection with `pythons` (command name → version) on PATH. */
function select(
  pythons: Record<string, string>,
  flags: Record<string, string> = {},
  root = tempDir('python'),
): Selection {
  const stubs = join(root, 'stubs');
  const bin = join(root, 'bin');
  for (const dir of [stubs, bin]) mkdirSync(dir, { recursive: true });
  for (const tool of TOOLS) {
    if (!existsSync(join(bin, tool))) symlinkSync(`/usr/bin/${tool}`, join(bin, tool));
  }
  writeFileSync(join(stubs, 'pip'), PIP, { mode: 0o755 });
  writeFileSync(join(stubs, 'uv'), UV, { mode: 0o755 });
  writeFileSync(
    join(stubs, 'python-template'),
    fakePython('3.12.0')
      .replace(/3\.12\.0/g, '@VERSION@')
      .replace(/\(3, 12, 0,/, '(3, 12, @MICRO@,'),
  );
  writeFileSync(join(bin, 'runuser'), RUNUSER, { mode: 0o755 });
  for (const [name, version] of Object.entries(pythons)) {
    writeFileSync(join(bin, name), fakePython(version), { mode: 0o755 });
  }
  const installDir = join(root, 'opt/indico');
  mkdirSync(installDir, { recursive: true });
  const ctx = recipeContext(optionsFrom({ 'install-dir': installDir, ...flags }));
  const script = join(root, 'select.sh');
  writeFileSync(
    script,
    `set -eu\nINSTALL_DIR='${installDir}'\nINDICO_USER=indico\n${variableLines(pythonVariables(ctx))}` +
      `${LIBRARY}\n${pythonSelection(ctx)}` +
      `printf 'CHOSEN=%s\\n' "$PYTHON"\n`,
  );
  const calls = join(root, 'calls.log');
  const result = run('/bin/sh', [script], {
    env: { PATH: bin, STUBS: stubs, CALLS: calls, HOME: root },
  });
  return {
    status: result.status,
    stderr: result.stderr,
    chosen: /^CHOSEN=(.*)$/m.exec(result.stdout)?.[1],
    calls: existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : [],
    root,
  };
}

describe('the Python for the Indico venv', () => {
  test('the stubs behave: the real version test refuses 3.12.1 and accepts 3.12.3', () => {
    const root = tempDir('python-stub');
    for (const [version, status] of [
      ['3.12.1', 1],
      ['3.12.3', 0],
      ['3.13.1', 1],
    ] as const) {
      const stub = join(root, `python-${version}`);
      writeFileSync(stub, fakePython(version), { mode: 0o755 });
      const result = run(stub, [
        '-c',
        'import sys; sys.exit(not ((3, 12, 2) <= sys.version_info[:3] < (3, 13)))',
      ]);
      expect(result.status).toBe(status);
    }
  });

  test("the distribution's python3.12 when it is 3.12.2 or later (Ubuntu 24.04, EL 9): no uv", () => {
    const selection = select({ 'python3.12': '3.12.3', python3: '3.11.2' });
    expect(selection.stderr).toBe('');
    expect(selection.status).toBe(0);
    expect(selection.chosen).toBe(join(selection.root, 'bin/python3.12'));
    expect(selection.calls).toEqual([]);
  });

  test('python3 when python3.12 is a 3.12 that Indico refuses (3.12.1)', () => {
    const selection = select({ 'python3.12': '3.12.1', python3: '3.12.3' });
    expect(selection.status).toBe(0);
    expect(selection.chosen).toBe(join(selection.root, 'bin/python3'));
    expect(selection.calls).toEqual([]);
  });

  test('Debian 12 / Ubuntu 22.04 (python3 3.11): uv from the pip mirror installs 3.12 from the Python mirror', () => {
    const flags = {
      'pip-index-url': 'https://mirror.example.org/simple/',
      'python-install-mirror': 'https://mirror.example.org/python-build-standalone/',
    };
    const selection = select({ python3: '3.11.2' }, flags);
    expect(selection.stderr).toBe('');
    expect(selection.status).toBe(0);
    const managed = join(selection.root, 'opt/indico/.python/cpython-3.12.8/bin/python3.12');
    expect(selection.chosen).toBe(managed);
    const uvEnv =
      'UV_PYTHON_PREFERENCE=only-managed ' +
      `UV_PYTHON_INSTALL_DIR=${join(selection.root, 'opt/indico/.python')}`;
    expect(selection.calls).toEqual([
      'pip install -q uv | PIP_INDEX_URL=https://mirror.example.org/simple/ PIP_EXTRA_INDEX_URL=unset',
      `uv python install 3.12 | UV_PYTHON_INSTALL_MIRROR=https://mirror.example.org/python-build-standalone/ ${uvEnv}`,
      `uv python find 3.12 | UV_PYTHON_INSTALL_MIRROR=unset ${uvEnv}`,
    ]);

    // A second run reuses the uv it installed.
    const again = select({ python3: '3.11.2' }, flags, selection.root);
    expect(again.status).toBe(0);
    expect(again.chosen).toBe(managed);
    expect(again.calls.slice(selection.calls.length).map((call) => call.split(' |')[0])).toEqual([
      'uv python install 3.12',
      'uv python find 3.12',
    ]);
  });

  test("Debian 13 (python3 3.13, a refused python3.12 3.12.1): uv, with uv's default download without a mirror", () => {
    const selection = select({ python3: '3.13.1', 'python3.12': '3.12.1' });
    expect(selection.status).toBe(0);
    expect(selection.chosen).toBe(join(selection.root, 'opt/indico/.python/cpython-3.12.8/bin/python3.12'));
    expect(selection.calls[0]).toMatch(/^pip install -q uv \| PIP_INDEX_URL=unset /);
    expect(selection.calls[1]).toMatch(
      /^uv python install 3\.12 \| UV_PYTHON_INSTALL_MIRROR=unset UV_PYTHON_PREFERENCE=only-managed /,
    );
  });

  test('an exact python-version is installed by uv even when the distribution has another 3.12', () => {
    const selection = select({ 'python3.12': '3.12.3', python3: '3.12.3' }, { 'python-version': '3.12.8' });
    expect(selection.status).toBe(0);
    expect(selection.chosen).toBe(join(selection.root, 'opt/indico/.python/cpython-3.12.8/bin/python3.12'));
    expect(selection.calls.map((call) => call.split(' |')[0])).toEqual([
      'pip install -q uv',
      'uv python install 3.12.8',
      'uv python find 3.12.8',
    ]);
  });
});
