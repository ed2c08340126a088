import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { workflowFiles } from '../../../scripts/validate-workflows-lib.mjs';
import { REPO } from '../../support/run-action.js';
import { problemsOf } from './references.js';

const files = workflowFiles(REPO);

describe('workflows use the actions as they are declared', () => {
  test('there are examples and workflows that use the actions', () => {
    const users = files.filter((f) =>
      /uses: (?:org\/indicovm\/|\.\/)action-/.test(readFileSync(join(REPO, f), 'utf8')),
    );
    expect(users).toEqual(
      expect.arrayContaining([
        '.github/workflows/e2e.yml',
        'examples/build-deploy-manage.yml',
        'examples/dispatch.yml',
        'examples/fleet-matrix.yml',
        'examples/fleet.yml',
        'examples/release.yml',
        'examples/stock-image.yml',
      ]),
    );
  });

  test.each(files)('%s: inputs exist and output references resolve', (file) => {
    expect(problemsOf(readFileSync(join(REPO, file), 'utf8'))).toEqual([]);
  });

  test('the check finds unknown inputs and outputs, undeclared needs and later steps', () => {
    const broken = `
on: push
jobs:
  build:
    runs-on: ubuntu-24.04
    outputs:
      artifact: \${{ steps.build.outputs.artifact }}
    steps:
      - run: echo "\${{ steps.later.outputs.x }}"
      - uses: org/indicovm/action-build-image@v1
        id: build
        with:
          base-image: x
          base-imag-sha256: y
      - id: later
        run: echo "x=1" >> "$GITHUB_OUTPUT"
  deploy:
    needs: build
    runs-on: ubuntu-24.04
    steps:
      - uses: ./action-deploy
        with:
          image-artifact: \${{ needs.build.outputs.artifact-name }}
          server-name: \${{ needs.other.outputs.name }}
      - run: echo "\${{ needs.build.outputs.artifact }}"
`;
    expect(problemsOf(broken).sort()).toEqual(
      [
        'build: job output reads steps.build.outputs.artifact, which no step declares',
        'build: steps.later.outputs.x is not an output of an earlier step',
        "build: org/indicovm/action-build-image@v1 has no input 'base-imag-sha256'",
        'deploy: needs.build.outputs.artifact-name is not an output of job build',
        'deploy: reads needs.other but does not list it in needs',
      ].sort(),
    );
  });

  test('examples use the published actions (users copy them), this repository its working tree', () => {
    for (const file of files) {
      const uses = [...readFileSync(join(REPO, file), 'utf8').matchAll(/uses: *(\S+)/g)].map((m) => m[1]!);
      const ours = uses.filter((u) => /action-(build-image|deploy|manage)/.test(u));
      const expected = file.startsWith('examples/')
        ? /^org\/indicovm\/action-[a-z-]+@v1$/
        : /^\.\/action-[a-z-]+$/;
      for (const ref of ours) {
        expect({ file, ref, matches: expected.test(ref) }).toEqual({ file, ref, matches: true });
      }
    }
  });
});
