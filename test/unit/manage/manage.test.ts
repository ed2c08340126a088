// manage() through its connect port, with an in-memory session: the sequence of tasks, what a failure
// leaves (outputs, skipped rows, a closed session) and the answer to a dropped connection. The real
// sshd and VM runs are in test/integration/manage.
import { describe, expect, test } from '@jest/globals';
import { manage, type ManageResult } from '../../../shared/manage/manage.js';
import type { ManageOptions } from '../../../shared/manage/options.js';
import { manageCommand } from '../../../shared/options/commands.js';
import { resolveOptions } from '../../../shared/options/resolve.js';
import { SshConnectionLostError } from '../../../shared/ssh/errors.js';
import { FakeSshSession } from '../../support/fake-ssh.js';
import { RecordingReporter } from '../../support/recording-reporter.js';

function options(extra: Record<string, string>): ManageOptions {
  return resolveOptions(manageCommand, {
    explicit: { host: 'vm.example', 'ssh-key': 'k', 'host-keys': 'ssh-ed25519 AAAA', ...extra },
    explicitKind: 'input',
    env: {},
  }).values;
}

async function run(extra: Record<string, string>, vm = new FakeSshSession()) {
  const reporter = new RecordingReporter();
  const results: ManageResult[] = [];
  const connected: string[] = [];
  const outcome = await manage(options(extra), reporter, {
    connect: async (endpoint) => {
      connected.push(`${endpoint.host}:${endpoint.port ?? 22}`);
      return vm.asSession();
    },
    onResult: (result) => results.push(result),
  }).then(
    (result): { result?: ManageResult; error?: Error } => ({ result }),
    (error: unknown): { result?: ManageResult; error?: Error } => ({ error: error as Error }),
  );
  return { ...outcome, vm, reporter, results, connected };
}

describe('manage() through its ports', () => {
  test('one connection, the script run, its output the result; the script file removed; closed once', async () => {
    const { result, vm, results, connected, reporter } = await run({
      tasks: 'run',
      script: 'echo "hello $WHO"',
      envs: 'WHO=indico',
    });
    expect(connected).toEqual(['vm.example:22']);
    expect(result).toEqual({ changed: {}, stdout: 'hello indico', stderr: '', exitCode: 0 });
    expect(results).toEqual([result]);
    expect(vm.files.size).toBe(0);
    expect(vm.commands.map((argv) => argv[0])).toEqual(['bash', 'rm']);
    expect(vm.closed).toBe(1);
    expect(reporter.summaries[0]?.tables?.[0]?.rows).toEqual([
      ['run', 'unchanged', expect.stringMatching(/^exit 0/)],
    ]);
  });

  test('a failing task: stdout, stderr and exit-code still reach onResult, the rest is skipped, the session closed', async () => {
    const { error, vm, results, reporter } = await run({
      tasks: 'run,restart',
      script: 'echo partial; echo broken >&2; exit 3',
    });
    expect(error?.message).toMatch(/the run script.*3/);
    expect(results).toEqual([{ changed: {}, stdout: 'partial', stderr: 'broken', exitCode: 3 }]);
    expect(reporter.summaries[0]?.tables?.[0]?.rows).toEqual([
      ['run', 'failed', expect.stringMatching(/the run script/)],
      ['restart', 'skipped', "not run: 'run' failed before it"],
    ]);
    // restart never reached the VM.
    expect(vm.commands.map((argv) => argv[0])).toEqual(['bash', 'rm']);
    expect(vm.closed).toBe(1);
  });

  test('a connection dropped during run: not run again (the script may not be safe to repeat)', async () => {
    const vm = new FakeSshSession();
    vm.failNext = { error: new SshConnectionLostError(vm.where, 'during a command'), times: 1 };
    const { error } = await run({ tasks: 'run', script: 'echo once' }, vm);
    expect(error?.message).toMatch(/dropped during task 'run'; it is not run again by itself/);
    expect(vm.reconnects).toBe(0);
    expect(vm.closed).toBe(1);
  });

  test('options that cannot work are refused before connecting', async () => {
    const { error, connected } = await run({ tasks: 'update-redis' });
    expect(error?.message).toBe("Task 'update-redis' needs option 'redis-password'.");
    expect(connected).toEqual([]);
  });
});
