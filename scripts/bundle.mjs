// Rebuilds every committed bundle with ncc: each action's main (and post) step and the CLI.
// CI runs it and fails when the committed dist/ differs from what the sources produce.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { licensesText } from './licenses.mjs';

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
const statsDir = mkdtempSync(join(tmpdir(), 'indicovm-bundle-'));
for (const [entry, out] of entries) {
  const statsFile = join(statsDir, 'stats.json');
  execFileSync(
    'npx',
    ['ncc', 'build', entry, '-o', out, '--stats-out', statsFile, '--quiet', '--target', 'es2022', '--minify'],
    {
      stdio: 'inherit',
    },
  );
  writeFileSync(`${out}/licenses.txt`, licensesText(JSON.parse(readFileSync(statsFile, 'utf8'))));
}
rmSync(statsDir, { recursive: true, force: true });
// ncc's ESM output has no __dirname/__filename, but ssh2's emscripten-built poly1305 module reads
// __dirname when it loads. Each bundle and each of its chunks (ssh2 may sit in a chunk loaded on
// demand) defines both from its own import.meta.url.
const CJS_GLOBALS =
  "import { fileURLToPath as __indicovmFileURLToPath } from 'node:url';\n" +
  "import { dirname as __indicovmDirname } from 'node:path';\n" +
  'const __filename = __indicovmFileURLToPath(import.meta.url);\n' +
  'const __dirname = __indicovmDirname(__filename);\n';
for (const [, out] of entries) {
  for (const name of readdirSync(out).filter((file) => file.endsWith('.js'))) {
    const file = `${out}/${name}`;
    const text = readFileSync(file, 'utf8');
    // The CLI is the package's bin: it needs its shebang and the execute bit.
    const shebang = out === 'cli/dist' && name === 'index.js' ? '#!/usr/bin/env node\n' : '';
    writeFileSync(file, `${shebang}${CJS_GLOBALS}${text.replace(/^#!.*\n/, '')}`);
  }
}
chmodSync('cli/dist/index.js', 0o755);

// ncc copies the native addons it finds (ssh2's sshcrypto.node, cpu-features) and ssh2's Windows
// pageant helper. The addons are built for the bundling machine's node ABI and compiler, so they would
// make the bundles differ between machines and fail to load under another node; ssh2 loads both inside
// try/catch and falls back to its pure-JavaScript ciphers. The bundles ship without them.
function dropNativeFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      dropNativeFiles(path);
      if (readdirSync(path).length === 0) {
        rmSync(path, { recursive: true });
      }
    } else if (entry.name.endsWith('.node') || entry.name === 'pagent.exe') {
      rmSync(path);
    }
  }
}
for (const dir of new Set(entries.map(([, out]) => out.split('/').slice(0, 2).join('/')))) {
  dropNativeFiles(dir);
}
