import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO, runBundledAction } from '../../support/run-action.js';

// The committed bundles, started the way the runner starts them. `npm run bundle` must have run;
// .ci/run checks the bundles are current before the tests.
describe.each([
  [
    'action-build-image',
    { 'base-image': './base.qcow2', memory: 'lots' },
    'Invalid input \'memory\' ("lots"): must be a size like 2048, 2048M, 2G or 1T.',
  ],
  [
    'action-deploy',
    { 'redis-port': '70000' },
    'Invalid input \'redis-port\' ("70000"): must be a port number from 1 to 65535.',
  ],
  [
    'action-manage',
    { tasks: 'load-ssl,reboot' },
    `Invalid input 'tasks' ("load-ssl,reboot"): item 2 ("reboot") must be one of:`,
  ],
])('%s bundle', (folder, badInputs, message) => {
  test('runs on node and rejects a bad input with a clear error before doing anything', () => {
    const run = runBundledAction(`${folder}/dist/index.js`, badInputs);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(`::error::${folder} invalid settings: ${message}`);
    expect(run.outputs).toEqual({});
  });

  test('action.yml points at the committed bundle and runs on node24', () => {
    const meta = parse(readFileSync(join(REPO, folder, 'action.yml'), 'utf8')) as {
      runs: Record<string, string>;
    };
    expect(meta.runs.using).toBe('node24');
    expect(readFileSync(join(REPO, folder, meta.runs.main!), 'utf8').length).toBeGreaterThan(1000);
    if (meta.runs.post) {
      expect(meta.runs['post-if']).toBe('always()');
      expect(readFileSync(join(REPO, folder, meta.runs.post), 'utf8').length).toBeGreaterThan(1000);
    }
  });
});

describe('secret inputs', () => {
  test('are masked before anything else is printed, in plain, base64 and URL-encoded form', () => {
    const secret = 'p@ss w0rd/&x';
    const run = runBundledAction('action-deploy/dist/index.js', { password: secret, 'redis-port': 'x' });
    // Workflow commands escape %, CR and LF in their values; the runner decodes them.
    const decode = (value: string) => value.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
    const masks = run.stdout
      .split('\n')
      .filter((line) => line.startsWith('::add-mask::'))
      .map(decode);
    expect(masks).toEqual(
      expect.arrayContaining([
        `::add-mask::${secret}`,
        `::add-mask::${Buffer.from(secret).toString('base64')}`,
        `::add-mask::${encodeURIComponent(secret)}`,
      ]),
    );
    const firstMask = run.stdout.indexOf('::add-mask::');
    expect(firstMask).toBe(0);
    expect(
      run.stdout.slice(run.stdout.lastIndexOf('::add-mask::')).split('\n').slice(1).join('\n'),
    ).not.toContain(secret);
  });
});

describe('settings file', () => {
  test('indicovm.yml in the workspace is read, and an unknown key there is named', () => {
    const run = runBundledAction(
      'action-manage/dist/index.js',
      {},
      { files: { 'indicovm.yml': 'manage:\n  hots: 10.0.0.1\n' } },
    );
    expect(run.status).toBe(1);
    expect(run.stdout).toContain("unknown option 'manage.hots' for manage; did you mean 'hosts'?");
  });
});

describe('post steps', () => {
  test.each(['action-build-image', 'action-deploy'])(
    '%s post step runs and has nothing to clean up after an early failure',
    (folder) => {
      const run = runBundledAction(`${folder}/dist/post/index.js`, {});
      expect(run.status).toBe(0);
      expect(run.stdout).toContain('Nothing to clean up');
    },
  );
});

describe('the CLI bundle', () => {
  // A task's code is a chunk loaded when the task runs: the chunk must load too (ssh2 in it reads
  // __dirname, which each bundled file defines for itself).
  test('runs a task from its lazily loaded chunk: render-script writes the recipe', () => {
    const out = mkdtempSync(join(tmpdir(), 'indicovm-cli-bundle-'));
    try {
      const run = spawnSync(
        process.execPath,
        [join(REPO, 'cli/dist/index.js'), 'render-script', '--output-dir', out],
        {
          cwd: out,
          encoding: 'utf8',
        },
      );
      expect(run.stderr).not.toContain('Error');
      expect(run.status).toBe(0);
      expect(readdirSync(out).length).toBeGreaterThan(0);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
