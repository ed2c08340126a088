import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO } from '../../support/run-action.js';

// scripts/release.sh in a small git repository shaped like this one: `npm run bundle` and `npm run gen`
// are stand-ins that write a dist/ file and an action.yml, so the script's own logic (version bump,
// changelog, tree check, commit, tags, no push) runs for real in a second.

let work: string;
let remote: string;

function run(command: string, args: string[], cwd = work) {
  return spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
}
function git(...args: string[]): string {
  const result = run('git', args);
  if (result.status !== 0) {
    throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  }
  return result.stdout.trim();
}
const release = (version: string) => run('bash', ['scripts/release.sh', version]);

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'indicovm-release-'));
  remote = mkdtempSync(join(tmpdir(), 'indicovm-release-remote-'));
  mkdirSync(join(work, 'scripts'));
  mkdirSync(join(work, 'cli/src'), { recursive: true });
  copyFileSync(join(REPO, 'scripts/release.sh'), join(work, 'scripts/release.sh'));
  writeFileSync(
    join(work, 'scripts/bundle.mjs'),
    `import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
mkdirSync('action-x/dist', { recursive: true });
writeFileSync('action-x/dist/index.js', 'const VERSION = ' + JSON.stringify(version) + ';\\n');
if (process.env.STRAY) writeFileSync('stray.txt', 'not a release file\\n');
`,
  );
  writeFileSync(
    join(work, 'scripts/gen.mjs'),
    `import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
const want = 'name: x\\n';
if (process.argv.includes('--check')) process.exit(readFileSync('action-x/action.yml', 'utf8') === want ? 0 : 1);
mkdirSync('action-x', { recursive: true });
writeFileSync('action-x/action.yml', want);
`,
  );
  writeFileSync(
    join(work, 'package.json'),
    JSON.stringify(
      {
        name: 'indicovm',
        version: '0.1.0',
        private: true,
        type: 'module',
        scripts: { bundle: 'node scripts/bundle.mjs', gen: 'node scripts/gen.mjs' },
      },
      null,
      2,
    ) + '\n',
  );
  writeFileSync(join(work, 'cli/src/version.ts'), "export const VERSION = '0.1.0';\n");
  writeFileSync(join(work, 'CHANGELOG.md'), '# Changelog\n\n## [Unreleased]\n\n### Added\n\n- Everything.\n');
  git('init', '--quiet', '--initial-branch=main');
  git('config', 'user.name', 'Release Test');
  git('config', 'user.email', 'release@example.org');
  git('add', '--all');
  git('commit', '--quiet', '-m', 'Initial');
  run('git', ['init', '--quiet', '--bare', remote]);
  git('remote', 'add', 'origin', remote);
  git('push', '--quiet', 'origin', 'main');
});

afterEach(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(remote, { recursive: true, force: true });
});

describe('scripts/release.sh', () => {
  test('bumps, rebuilds, commits, tags vX.Y.Z, moves vX, and pushes nothing', () => {
    const before = git('ls-remote', 'origin');
    const result = release('1.2.3');
    expect(result.stderr).not.toMatch(/release:/);
    expect(result.status).toBe(0);

    expect(JSON.parse(readFileSync(join(work, 'package.json'), 'utf8')).version).toBe('1.2.3');
    expect(readFileSync(join(work, 'cli/src/version.ts'), 'utf8')).toBe("export const VERSION = '1.2.3';\n");
    expect(readFileSync(join(work, 'action-x/dist/index.js'), 'utf8')).toContain('"1.2.3"');
    expect(readFileSync(join(work, 'CHANGELOG.md'), 'utf8')).toMatch(
      /^## \[Unreleased\]\n\n## \[1\.2\.3\] - \d{4}-\d{2}-\d{2}\n\n### Added\n\n- Everything\.$/m,
    );

    expect(git('status', '--porcelain')).toBe('');
    expect(git('log', '-1', '--format=%s')).toBe('Release v1.2.3');
    expect(git('cat-file', '-t', 'v1.2.3')).toBe('tag'); // annotated
    expect(git('rev-parse', 'v1.2.3^{commit}')).toBe(git('rev-parse', 'HEAD'));
    expect(git('rev-parse', 'v1^{commit}')).toBe(git('rev-parse', 'HEAD'));

    expect(result.stdout).toContain('git push origin main');
    expect(result.stdout).toContain('git push origin v1.2.3');
    expect(result.stdout).toContain('git push --force origin v1');
    expect(git('ls-remote', 'origin')).toBe(before);
  });

  test('dates a "## [X.Y.Z] - Unreleased" section in place, and moves v0 for 0.x', () => {
    writeFileSync(join(work, 'CHANGELOG.md'), '# Changelog\n\n## [0.1.0] - Unreleased\n\n- First.\n');
    git('commit', '--quiet', '-am', 'Changelog');
    const result = release('0.1.0');
    expect(result.status).toBe(0);
    expect(readFileSync(join(work, 'CHANGELOG.md'), 'utf8')).toMatch(/^## \[0\.1\.0\] - \d{4}-\d{2}-\d{2}$/m);
    expect(git('rev-parse', 'v0^{commit}')).toBe(git('rev-parse', 'HEAD'));
  });

  test.each([
    ['1.2', /give the version as X\.Y\.Z/],
    ['v1.2.3', /give the version as X\.Y\.Z/],
    ['01.2.3', /give the version as X\.Y\.Z/],
  ])('refuses the version %s', (version, message) => {
    const result = release(version);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(git('tag')).toBe('');
  });

  test('refuses a dirty tree, an existing tag, and a changelog without a section to release', () => {
    writeFileSync(join(work, 'notes.txt'), 'draft\n');
    expect(release('1.0.0').stderr).toMatch(/the work tree has changes/);
    rmSync(join(work, 'notes.txt'));

    git('tag', 'v1.0.0');
    expect(release('1.0.0').stderr).toMatch(/tag v1\.0\.0 exists already/);

    writeFileSync(join(work, 'CHANGELOG.md'), '# Changelog\n\n## [0.9.0] - 2026-01-01\n');
    git('commit', '--quiet', '-am', 'No unreleased section');
    const result = release('1.1.0');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/CHANGELOG\.md has no/);
    expect(git('log', '-1', '--format=%s')).toBe('No unreleased section');
  });

  test('stops before committing when the build changes anything but release files', () => {
    const result = spawnSync('bash', ['scripts/release.sh', '1.2.3'], {
      cwd: work,
      encoding: 'utf8',
      env: { ...process.env, STRAY: '1' },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/unexpected changes after bundle and gen:\nstray\.txt/);
    expect(git('log', '-1', '--format=%s')).toBe('Initial');
    expect(git('tag')).toBe('');
  });
});

describe('.github/workflows/release.yml', () => {
  test('takes the release notes from the CHANGELOG.md section of the version', () => {
    const workflow = parse(readFileSync(join(REPO, '.github/workflows/release.yml'), 'utf8')) as {
      jobs: { release: { steps: { name?: string; run?: string }[] } };
    };
    const publish = workflow.jobs.release.steps.find((s) => s.name?.startsWith('Publish'))?.run ?? '';
    const extract = /awk [\s\S]*?CHANGELOG\.md > notes\.md/.exec(publish)?.[0];
    expect(extract).toBeDefined();
    writeFileSync(
      join(work, 'CHANGELOG.md'),
      '# Changelog\n\n## [Unreleased]\n\n## [1.2.3] - 2026-11-25\n\n### Added\n\n- New.\n\n## [1.2.2] - 2026-11-01\n\n- Old.\n',
    );
    const result = spawnSync('bash', ['-c', `set -e\n${extract}\ncat notes.md`], {
      cwd: work,
      encoding: 'utf8',
      env: { ...process.env, VERSION: '1.2.3' },
    });
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe('### Added\n\n- New.');
  });
});
