// action-manage and `indicovm manage` on several real sshd servers on 127.0.0.1: one host with a
// host key that is not the pinned one, one that does not answer, and the rest working; then the same
// fleet through one shared jump host connection. The tasks themselves run on the recipe VM in
// vm.test.ts; here it is the fan-out, the per-host verification and the results.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runBundledAction } from '../../support/run-action.js';
import { freePort, startSshd, type Sshd } from '../../support/sshd.js';
import { useTempDir } from '../../support/temp-dir.js';

const ACTION = 'action-manage/dist/index.js';
const CLI = resolve('cli/dist/index.js');

let a: Sshd;
let b: Sshd;
let jump: Sshd;
let closedPort: number;
const scratch = useTempDir('indicovm-fleet-');

beforeAll(async () => {
  a = await startSshd();
  // One key logs in everywhere, as one deploy key on a fleet does.
  [b, jump] = await Promise.all([
    startSshd({ extraAuthorizedKeys: [a.clientKey.publicKey] }),
    startSshd({ extraAuthorizedKeys: [a.clientKey.publicKey] }),
  ]);
  closedPort = await freePort();
}, 60_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop(), jump?.stop()]);
});

const name = (server: { port: number }) => `127.0.0.1:${server.port}`;

/** sshd's log reaches this process as events, which a synchronous run held back: let them in. */
const logsRead = () => new Promise((resolve) => setTimeout(resolve, 500));

interface Result {
  host: string;
  outcome: string;
  stdout?: string;
  error?: string;
  tasks: string[];
}

describe('action-manage with hosts', () => {
  test('every host is tried: the good ones run, a wrong host key and a dead port fail alone and are named', async () => {
    const hostKeys = JSON.stringify({
      [name(a)]: a.hostPublicKey,
      [name(b)]: b.hostPublicKey,
      // The jump server's own key is not this one: a mismatch, and nothing is sent to it.
      [name(jump)]: a.hostPublicKey,
      [`127.0.0.1:${closedPort}`]: a.hostPublicKey,
    });
    const run = runBundledAction(ACTION, {
      hosts: [name(a), name(b), name(jump), `127.0.0.1:${closedPort}`].join('\n'),
      'host-keys': hostKeys,
      'ssh-username': 'root',
      'ssh-key': a.clientKey.privateKey,
      tasks: 'run',
      script: 'echo "ran on port $(echo $SSH_CONNECTION | cut -d" " -f4)"',
      timeout: '5',
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(
      `::error::action-manage failed: 2 of 4 hosts failed: ${name(jump)} (host-key-mismatch), 127.0.0.1:${closedPort} (unreachable).`,
    );
    const results = JSON.parse(run.outputs.results!) as Result[];
    expect(results.map((r) => [r.host, r.outcome])).toEqual([
      [name(a), 'ok'],
      [name(b), 'ok'],
      [name(jump), 'host-key-mismatch'],
      [`127.0.0.1:${closedPort}`, 'unreachable'],
    ]);
    expect(results[0]!.stdout).toBe(`ran on port ${a.port}`);
    expect(results[1]!.stdout).toBe(`ran on port ${b.port}`);
    expect(results[2]!.error).toMatch(/Host key verification failed/);
    expect(run.outputs['failed-hosts']).toBe(`${name(jump)}\n127.0.0.1:${closedPort}`);
    // Nothing reached the server whose key did not match: it saw the connection, and no login.
    await logsRead();
    expect(jump.log()).toMatch(/Connection from 127\.0\.0\.1 port \d+/);
    expect(jump.log()).not.toMatch(/Accepted publickey/);
    // One table for the fleet in the job summary.
    expect(run.summary).toContain('indicovm manage: 4 hosts, 2 failed');
    expect(run.summary).toMatch(
      new RegExp(`\\| ${name(b).replace(/\./g, '\\.')} \\| run \\| - \\| ok \\| \\d`),
    );
    // Interleaved lines say which host they are about.
    expect(run.stdout).toContain(`[${name(b)}] ==> run on ${name(b)}`);
  }, 120_000);

  test('through a jump host: one connection to it serves every host', async () => {
    await logsRead();
    const before = (jump.log().match(/Accepted publickey/g) ?? []).length;
    const run = runBundledAction(ACTION, {
      hosts: `${name(a)},${name(b)}`,
      'known-hosts': `[127.0.0.1]:${a.port} ${a.hostPublicKey}\n[127.0.0.1]:${b.port} ${b.hostPublicKey}\n`,
      'ssh-username': 'root',
      'ssh-key': a.clientKey.privateKey,
      'proxy-host': '127.0.0.1',
      'proxy-port': String(jump.port),
      'proxy-fingerprint': jump.fingerprint,
      tasks: 'run',
      script: 'echo via-jump',
      'max-parallel': '2',
    });
    if (run.status !== 0) throw new Error(run.stdout);
    const results = JSON.parse(run.outputs.results!) as Result[];
    expect(results.map((r) => r.outcome)).toEqual(['ok', 'ok']);
    expect(run.stdout).toContain(
      `Connected to the jump host 127.0.0.1:${jump.port}; every host is reached through it.`,
    );
    await logsRead();
    const after = (jump.log().match(/Accepted publickey/g) ?? []).length;
    expect(after - before).toBe(1);
  }, 120_000);
});

describe('indicovm manage --hosts-file', () => {
  test('reads the hosts from a file and prints every host result as JSON, also when one failed', () => {
    const hostsFile = join(scratch(), 'hosts');
    writeFileSync(hostsFile, `# staging\n${name(a)}\n${name(b)} # the second one\n\n`);
    const keyFile = join(scratch(), 'key');
    writeFileSync(keyFile, a.clientKey.privateKey, { mode: 0o600 });
    const knownHosts = join(scratch(), 'known_hosts');
    writeFileSync(
      knownHosts,
      `[127.0.0.1]:${a.port} ${a.hostPublicKey}\n[127.0.0.1]:${b.port} ${b.hostPublicKey}\n` +
        `[127.0.0.1]:${closedPort} ${a.hostPublicKey}\n`,
    );
    // Tasks and pins in the settings file, as a user would keep them.
    writeFileSync(
      join(scratch(), 'indicovm.yml'),
      `manage:\n  known-hosts: ${knownHosts}\n  tasks: run\n  script: echo from-file\n  timeout: 5\n`,
    );
    const cli = (hosts: string) =>
      spawnSync(
        process.execPath,
        [CLI, 'manage', '--hosts-file', hosts, '--ssh-username', 'root', '--ssh-key', keyFile],
        {
          cwd: scratch(),
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: scratch() },
          encoding: 'utf8',
          timeout: 60_000,
        },
      );
    const run = cli(hostsFile);
    expect(run.status).toBe(0);
    const { results } = JSON.parse(run.stdout) as { results: Result[] };
    expect(results.map((r) => [r.host, r.outcome, r.stdout])).toEqual([
      [name(a), 'ok', 'from-file'],
      [name(b), 'ok', 'from-file'],
    ]);

    const withDeadHost = join(scratch(), 'hosts-2');
    writeFileSync(withDeadHost, `${name(a)}\n127.0.0.1:${closedPort}\n`);
    const failed = cli(withDeadHost);
    expect(failed.status).toBe(1);
    expect((JSON.parse(failed.stdout) as { results: Result[] }).results.map((r) => r.outcome)).toEqual([
      'ok',
      'unreachable',
    ]);
    expect(failed.stderr).toContain(`error: 1 of 2 hosts failed: 127.0.0.1:${closedPort} (unreachable).`);
  }, 120_000);
});
