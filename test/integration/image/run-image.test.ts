/**
 * `indicovm run-image` as a user runs it (the CLI from source, under tsx), on the Debian 12 fixture under
 * TCG with non-default ports: it waits for SSH, prints the ssh command, that command logs in with real
 * ssh against the known_hosts it wrote, Ctrl-C (SIGINT) stops it, and nothing is left behind.
 */
import { describe, expect, test } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { READY_LINE } from '../../../shared/image/run-image.js';
import { freeLoopbackPort } from '../../../shared/qemu/ports.js';
import { useCliRuns } from '../../support/cli-runs.js';
import { processesMatching, waitUntil } from '../../support/processes.js';

/** Distinct free ports, none of them a default (2222, 8000, 8443). */
async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) {
    const port = await freeLoopbackPort();
    if (![2222, 8000, 8443].includes(port)) {
      ports.add(port);
    }
  }
  return [...ports];
}

const { scratch, base, start } = useCliRuns('indicovm-run-image-test-', 'SIGTERM');

/** run-image under TCG, each forward on a free port that is not its default. */
async function runImage(
  image: string,
  tmp: string,
  options: { memory: string; sshTimeout: string; more?: readonly string[] },
) {
  const [sshPort, httpPort, httpsPort] = await freePorts(3);
  const run = start(
    [
      'run-image',
      image,
      '--accelerator',
      'tcg',
      '--memory',
      options.memory,
      '--ssh-timeout',
      options.sshTimeout,
      '--forward-ssh-port',
      String(sshPort),
      '--forward-http-port',
      String(httpPort),
      '--forward-https-port',
      String(httpsPort),
      ...(options.more ?? []),
    ],
    tmp,
  );
  return { run, sshPort, httpPort, httpsPort };
}

describe('indicovm run-image (CLI, qemu TCG)', () => {
  test('waits for SSH, prints a working ssh command, stops on SIGINT and leaves nothing behind', async () => {
    const tmp = mkdtempSync(join(scratch(), 'ok-'));
    const { run, sshPort, httpPort, httpsPort } = await runImage(base(), tmp, {
      memory: '1024',
      sshTimeout: '6m',
      // An image built with https-port 8443: the forward leads there, not to 443.
      more: ['--https-port', '8443'],
    });
    await waitUntil(
      'run-image to say the VM is ready',
      () => run.stderr().includes(READY_LINE) || run.child.exitCode !== null,
      8 * 60_000,
    );
    if (!run.stderr().includes(READY_LINE)) {
      throw new Error(`run-image ended before the VM was ready:\n${run.stderr().slice(-6000)}`);
    }
    // The image itself was never written: qemu runs on an overlay in the temp folder.
    const qemu = processesMatching('qemu-system', tmp);
    expect(qemu).toHaveLength(1);
    expect(qemu[0]!.cmdline).toContain(`hostfwd=tcp:127.0.0.1:${sshPort}-:22`);
    expect(qemu[0]!.cmdline).toContain(`hostfwd=tcp:127.0.0.1:${httpPort}-:80`);
    expect(qemu[0]!.cmdline).toContain(`hostfwd=tcp:127.0.0.1:${httpsPort}-:8443`);
    expect(run.stderr()).toContain(
      `Forwarded ports: 127.0.0.1:${sshPort} → 22, 127.0.0.1:${httpPort} → 80, 127.0.0.1:${httpsPort} → 8443`,
    );

    // The printed command, run as printed by a shell, with real ssh and the known_hosts run-image wrote.
    const sshCommand = new RegExp(`${READY_LINE.replace('.', '\\.')} SSH: (.+)$`, 'm').exec(
      run.stderr(),
    )?.[1];
    expect(sshCommand).toMatch(
      new RegExp(`^ssh .* -p ${sshPort} .*StrictHostKeyChecking=yes.* indicovm@127\\.0\\.0\\.1$`),
    );
    const knownHosts = /UserKnownHostsFile=(\S+)/.exec(sshCommand!)?.[1];
    expect(knownHosts?.startsWith(tmp)).toBe(true);
    expect(readFileSync(knownHosts!, 'utf8')).toMatch(
      new RegExp(`^\\[127\\.0\\.0\\.1\\]:${sshPort} ssh-ed25519 `),
    );
    const login = spawnSync('sh', ['-c', `${sshCommand} 'hostname; id -un'`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 120_000,
    });
    expect(login.stderr).not.toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
    // ssh's own complaint, when there is one, is what explains a failed login.
    expect({ status: login.status, stderr: login.status === 0 ? '' : login.stderr }).toEqual({
      status: 0,
      stderr: '',
    });
    expect(login.stdout).toBe('indicovm-run\nindicovm\n');

    // Ctrl-C: the CLI stops qemu and removes the overlay, seed, key and known_hosts.
    run.child.kill('SIGINT');
    const exit = await run.exited;
    expect(run.stderr()).toContain('Stopping the VM.');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(processesMatching('qemu', tmp)).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
    expect(existsSync(knownHosts!)).toBe(false);
  });

  test('a VM that never answers SSH: a clear error with the serial tail, qemu stopped, temp files removed', async () => {
    const tmp = mkdtempSync(join(scratch(), 'timeout-'));
    // A blank disk: SeaBIOS finds nothing to boot, so SSH never answers.
    const blank = join(scratch(), 'blank.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', blank, '64M']);
    const { run } = await runImage(blank, tmp, { memory: '256', sshTimeout: '5s' });
    const exit = await run.exited;
    expect(exit.code).toBe(1);
    expect(run.stderr()).not.toContain(READY_LINE);
    expect(run.stderr()).toMatch(/error: .*the VM did not answer SSH within 5 s/);
    expect(run.stderr()).toMatch(/Last lines of the serial console/);
    expect(run.stderr()).toMatch(
      /Nothing was written to the serial console: .*is image a bootable cloud image/,
    );
    expect(processesMatching('qemu', tmp)).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
  });
});
