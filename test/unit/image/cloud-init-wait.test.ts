import { describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  cloudInitOutcome,
  cloudInitWaitScript,
  splitWaitOutput,
  waitForCloudInit,
} from '../../../shared/image/cloud-init-wait.js';
import type { SshSession } from '../../../shared/ssh/index.js';
import { CLOUD_INIT_DONE } from '../../support/fake-vm-host.js';
import { RecordingReporter } from '../../support/recording-reporter.js';
import { useTempDir } from '../../support/temp-dir.js';

/** Runs the wait script with the real sh against a folder standing in for /run/cloud-init. */
function runWait(runDir: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', cloudInitWaitScript(runDir)], {
      // A cloud-init stand-in in ../bin comes first, for the guest without cloud-init enabled.
      env: { PATH: `${join(runDir, '..', 'bin')}:/usr/bin:/bin` },
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

/** A session whose one exec answers as a guest would. */
function guest(answer: { code: number; stdout: string; stderr?: string }): SshSession {
  return {
    exec: () => Promise.resolve({ stderr: '', ...answer }),
  } as unknown as SshSession;
}

describe('the cloud-init wait script, run by sh', () => {
  const temp = useTempDir('indicovm-cloud-init-wait-');

  test('waits for result.json, then prints it and status.json after their marks', async () => {
    const run = join(temp(), 'run');
    mkdirSync(run);
    writeFileSync(join(run, 'enabled'), '');
    const waiting = runWait(run);
    // cloud-init's last stage ends a moment later: the loop must still be polling then.
    await new Promise((resolve) => setTimeout(resolve, 500));
    writeFileSync(join(run, 'status.json'), '{"v1": {"stage": null, "init": {"errors": []}}}');
    writeFileSync(join(run, 'result.json'), '{"v1": {"errors": []}}');
    const { code, stdout } = await waiting;
    expect(code).toBe(0);
    expect(splitWaitOutput(stdout)).toEqual({
      result: '{"v1": {"errors": []}}',
      status: '{"v1": {"stage": null, "init": {"errors": []}}}',
    });
  });

  test('a guest where the generator did not enable cloud-init gets `cloud-init status --wait --long`', async () => {
    const run = join(temp(), 'disabled', 'run');
    mkdirSync(run, { recursive: true });
    const bin = join(temp(), 'disabled', 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'cloud-init'), '#!/bin/sh\necho "status: disabled ($*)"\n', { mode: 0o755 });
    const { code, stdout } = await runWait(run);
    expect(code).toBe(0);
    expect(stdout).toBe('status: disabled (status --wait --long)\n');
    expect(splitWaitOutput(stdout)).toBeUndefined();
  });
});

describe('what cloud-init left', () => {
  test('no errors anywhere: done', () => {
    const files = splitWaitOutput(CLOUD_INIT_DONE)!;
    expect(cloudInitOutcome(files.result, files.status)).toEqual({ errors: [], recoverable: [] });
  });

  test('errors of result.json and of each stage count once; recoverable errors are listed by level', () => {
    const result = JSON.stringify({ v1: { errors: ['modules-final: scripts-user failed'] } });
    const status = JSON.stringify({
      v1: {
        stage: null,
        'modules-final': {
          errors: ['modules-final: scripts-user failed'],
          recoverable_errors: { WARNING: ['Invalid cloud-config provided'] },
        },
        init: { errors: [], recoverable_errors: {} },
        datasource: 'DataSourceNoCloud',
      },
    });
    expect(cloudInitOutcome(result, status)).toEqual({
      errors: ['modules-final: scripts-user failed'],
      recoverable: ['WARNING: Invalid cloud-config provided'],
    });
  });

  test('a clean run is relayed as done; errors fail naming them; recoverable errors warn', async () => {
    const reporter = new RecordingReporter();
    await waitForCloudInit(guest({ code: 0, stdout: CLOUD_INIT_DONE }), reporter);
    expect(reporter.lines).toContain('relay: status: done');

    const failed = CLOUD_INIT_DONE.replace('"errors": []}}\n', '"errors": ["runcmd failed"]}}\n');
    await expect(waitForCloudInit(guest({ code: 0, stdout: failed }), reporter)).rejects.toThrow(
      /cloud-init failed: it reported errors\. Last output:\nruncmd failed/,
    );

    const degraded = CLOUD_INIT_DONE.replace(
      '"init": {"errors": []}',
      '"init": {"errors": [], "recoverable_errors": {"DEPRECATED": ["key foo"]}}',
    );
    await waitForCloudInit(guest({ code: 0, stdout: degraded }), reporter);
    expect(reporter.warnings().join('\n')).toContain('recoverable errors:\nDEPRECATED: key foo');
  });

  test("cloud-init's own wait: its exit code decides, as before", async () => {
    const reporter = new RecordingReporter();
    await waitForCloudInit(guest({ code: 0, stdout: 'status: disabled\n' }), reporter);
    expect(reporter.lines).toContain('relay: status: disabled');
    await waitForCloudInit(guest({ code: 2, stdout: 'status: done\nrecoverable' }), reporter);
    expect(reporter.warnings().join('\n')).toContain('recoverable errors');
    await expect(waitForCloudInit(guest({ code: 1, stdout: 'status: error' }), reporter)).rejects.toThrow(
      /cloud-init status --wait failed with exit code 1/,
    );
  });
});
