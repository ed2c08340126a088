import { describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO } from '../../support/run-action.js';

// The README sends users to docs/ for the long tables: a moved file or a renamed heading must not
// leave a link that leads nowhere.
const DOCS = [
  'README.md',
  'CHANGELOG.md',
  'docs/inputs-and-outputs.md',
  'docs/migrating-from-fabfiles.md',
  'docs/indico-conformance.md',
];

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as dashes. */
const anchor = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');

function anchorsOf(file: string): Set<string> {
  const text = readFileSync(join(REPO, file), 'utf8');
  return new Set([...text.matchAll(/^#+ (.+)$/gm)].map((m) => anchor(m[1]!)));
}

describe('links between the documents', () => {
  test.each(DOCS)('every relative link of %s leads to a file and heading that exist', (file) => {
    const text = readFileSync(join(REPO, file), 'utf8').replace(/```[\s\S]*?```/g, '');
    const broken: string[] = [];
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue;
      const [path, hash] = target!.split('#') as [string, string | undefined];
      const resolved = path === '' ? file : join(dirname(file), path);
      if (!existsSync(join(REPO, resolved))) {
        broken.push(`${target} (no file ${resolved})`);
      } else if (hash !== undefined && resolved.endsWith('.md') && !anchorsOf(resolved).has(hash)) {
        broken.push(`${target} (no heading #${hash} in ${resolved})`);
      }
    }
    expect(broken).toEqual([]);
  });
});
