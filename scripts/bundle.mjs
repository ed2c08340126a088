// Rebuilds every committed bundle with ncc: each action's main (and post) step and the CLI.
// CI runs it and fails when the committed dist/ differs from what the sources produce.
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

const entries = [
  ['action-build-image/src/main.ts', 'action-build-image/dist'],
  ['action-build-image/src/post.ts', 'action-build-image/dist/post'],
  ['action-deploy/src/main.ts', 'action-deploy/dist'],
  ['action-deploy/src/post.ts', 'action-deploy/dist/post'],
  ['action-manage/src/main.ts', 'action-manage/dist'],
  ['cli/src/indicovm.ts', 'cli/dist'],
];

for (const dir of new Set(entries.map(([, out]) => out.split('/').slice(0, 2).join('/')))) {
  rmSync(dir, { recursive: true, force: true });
}
for (const [entry, out] of entries) {
  execFileSync(
    'npx',
    ['ncc', 'build', entry, '-o', out, '--license', 'licenses.txt', '--quiet', '--target', 'es2022'],
    {
      stdio: 'inherit',
    },
  );
}
// The CLI is the package's bin: it needs its shebang and the execute bit.
const cli = 'cli/dist/index.js';
const text = readFileSync(cli, 'utf8');
if (!text.startsWith('#!')) {
  writeFileSync(cli, `#!/usr/bin/env node\n${text}`);
}
chmodSync(cli, 0o755);
