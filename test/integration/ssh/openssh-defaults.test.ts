// The bundled CLI logging in as OpenSSH would with nothing given: ~/.ssh's identity and known_hosts,
// against a real sshd on 127.0.0.1. An action never falls back (it has no user's ~/.ssh).
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { useTempDir } from '../../support/temp-dir.js';
import { useSshd } from '../../support/use-sshd.js';

const CLI = resolve('cli/dist/index.js');

const sshd = useSshd();
const scratch = useTempDir('indicovm-openssh-cli-');

/** A home folder with these files in ~/.ssh, and the CLI run there with HOME pointing at it. */
function manageFrom(
  sshFiles: Record<string, string>,
  extra: readonly string[] = [],
  files: Record<string, string> = {},
) {
  const home = mkdtempSync(join(scratch(), 'home-'));
  mkdirSync(join(home, '.ssh'), { mode: 0o700 });
  for (const [name, text] of Object.entries(sshFiles)) {
    writeFileSync(join(home, '.ssh', name), text, { mode: 0o600 });
  }
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(home, name)), { recursive: true });
    writeFileSync(join(home, name), text, { mode: 0o600 });
  }
  const args = ['manage', '--host', sshd().host, '--port', String(sshd().port), '--username', 'root'];
  const result = spawnSync(
    process.execPath,
    [CLI, ...args, '--tasks', 'run', '--script', 'id -un', ...extra],
    {
      cwd: home,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home },
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const knownHostsLine = () => `[${sshd().host}]:${sshd().port} ${sshd().hostPublicKey}\n`;

describe('indicovm manage with OpenSSH defaults', () => {
  test('~/.ssh/id_ed25519 and ~/.ssh/known_hosts log in, and the log says which files were used', () => {
    const run = manageFrom({ id_ed25519: sshd().clientKey.privateKey, known_hosts: knownHostsLine() });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('root');
    expect(run.stderr).toContain('No ssh-key given: using ~/.ssh/id_ed25519.');
    expect(run.stderr).toContain(
      `No host key pinned: checking [${sshd().host}]:${sshd().port} against ~/.ssh/known_hosts.`,
    );
  });

  test('ssh-key and known-hosts given as ~/ paths in indicovm.yml are read from those files', () => {
    const run = manageFrom({}, [], {
      'indicovm.yml': 'ssh-key: ~/keys/mine\nknown-hosts: ~/pins\n',
      'keys/mine': sshd().clientKey.privateKey,
      pins: knownHostsLine(),
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('root');
    expect(run.stderr).not.toContain('~/.ssh');
  });

  test('a known_hosts entry with another key is a mismatch, not a first contact', () => {
    const run = manageFrom({
      id_ed25519: sshd().clientKey.privateKey,
      known_hosts: `[${sshd().host}]:${sshd().port} ${sshd().strangerKey.publicKey}\n`,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(
      `offered a ssh-ed25519 host key with fingerprint ${sshd().fingerprint}, but the expected keys are`,
    );
  });

  test('no entry for the host in known_hosts: exit 2 before connecting, naming the inputs', () => {
    const run = manageFrom({
      id_ed25519: sshd().clientKey.privateKey,
      known_hosts: `[${sshd().host}]:1 ${sshd().hostPublicKey}\n`,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`~/.ssh/known_hosts has no entry for [${sshd().host}]:${sshd().port}.`);
    expect(run.stderr).toContain("set 'host-keys'");
  });
});
