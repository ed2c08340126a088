// Writes every action.yml and docs/inputs-and-outputs.md from the option catalog, and the recipe's
// embedded shell from shared/recipe/sh/*.sh.
// `npm run gen -- --check` only compares and exits 1 when a file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { expectedFiles } from './metadata.js';

const check = process.argv.includes('--check');
const files = expectedFiles();
let stale = 0;
for (const [path, content] of files) {
  let current = '';
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    // A missing file is stale like any other.
  }
  if (current !== content) {
    stale += 1;
    if (check) {
      console.error(`${path} is stale: run npm run gen`);
    } else {
      writeFileSync(path, content);
      console.log(`wrote ${path}`);
    }
  }
}
process.exitCode = check && stale > 0 ? 1 : 0;
