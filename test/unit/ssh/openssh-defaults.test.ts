// The CLI's fall-backs to ~/.ssh, and inputs that take a path as well as text, on real files.
import { beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { manageCommand } from '../../../shared/options/commands.js';
import { resolveOptions } from '../../../shared/options/resolve.js';
import { redact, Secret } from '../../../shared/secret.js';
import { sshConnectOptions } from '../../../shared/ssh/from-options.js';
import { HostKeyPolicy } from '../../../shared/ssh/host-key.js';
import { openSshFallbacks } from '../../../shared/ssh/openssh-defaults.js';
import { loadPrivateKey } from '../../../shared/ssh/private-key.js';
import { expandHome } from '../../../shared/ssh/text-or-file.js';
import { useTempDir } from '../../support/temp-dir.js';

const home = useTempDir('indicovm-openssh-');

/** A key pair from ssh-keygen, as a user's ~/.ssh holds them: private key text and public key line. */
function keygen(type: 'ed25519' | 'rsa', passphrase = ''): { privateKey: string; publicKey: string } {
  const path = join(mkdtempSync(join(home(), 'key-')), 'id');
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', passphrase, '-C', 'test@indicovm', '-f', path]);
  return { privateKey: readFileSync(path, 'utf8'), publicKey: readFileSync(`${path}.pub`, 'utf8').trim() };
}

/** A known_hosts key field ("ssh-ed25519 AAAA...") of a fresh key. */
function publicKeyLine(): string {
  return keygen('ed25519').publicKey.split(' ').slice(0, 2).join(' ');
}

let HOST_KEY: string;
let OTHER_KEY: string;

beforeAll(() => {
  HOST_KEY = publicKeyLine();
  OTHER_KEY = publicKeyLine();
});

function freshHome(files: Record<string, string>): string {
  const dir = mkdtempSync(join(home(), 'home-'));
  mkdirSync(join(dir, '.ssh'), { mode: 0o700 });
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(dir, '.ssh', name), text, { mode: 0o600 });
  }
  return dir;
}

function values(explicit: Record<string, string>) {
  return resolveOptions(manageCommand, {
    explicit: { host: '127.0.0.1', port: '2200', ...explicit },
    explicitKind: 'flag',
  }).values;
}

describe('openSshFallbacks (CLI only)', () => {
  test('takes the first usable identity in OpenSSH order and skips an encrypted one, saying so', () => {
    const encrypted = keygen('rsa', 'not given').privateKey;
    const plain = keygen('ed25519').privateKey;
    const dir = freshHome({ id_rsa: encrypted, id_ed25519: plain });
    const result = openSshFallbacks(values({ fingerprint: 'SHA256:' + 'A'.repeat(43) }), dir);
    expect((result.values.sshKey as Secret).reveal()).toBe(plain);
    expect(result.notes).toEqual([
      'Skipped ~/.ssh/id_rsa: the key is encrypted and needs ssh-key-passphrase (or give ssh-key, or add it to ssh-agent).',
      'No ssh-key given: using ~/.ssh/id_ed25519.',
    ]);
    expect(result.values.knownHosts).toBeUndefined();
  });

  test('an encrypted identity is used when ssh-key-passphrase decrypts it', () => {
    const encrypted = keygen('ed25519', 'given').privateKey;
    const dir = freshHome({ id_ed25519: encrypted });
    const result = openSshFallbacks(
      values({ 'ssh-key-passphrase': 'given', 'insecure-accept-host-key': 'true' }),
      dir,
    );
    expect((result.values.sshKey as Secret).reveal()).toBe(encrypted);
  });

  test('a given ssh-key or password is never replaced', () => {
    const dir = freshHome({ id_ed25519: keygen('ed25519').privateKey });
    expect(
      openSshFallbacks(values({ password: 'secret-word', 'insecure-accept-host-key': 'true' }), dir).values,
    ).toEqual({});
  });

  test('known_hosts: only lines for this host and port, unreadable lines passed over, pins win', () => {
    const dir = freshHome({
      known_hosts: [
        `[127.0.0.1]:2222 ${OTHER_KEY}`,
        'garbage line',
        `host.example.org ssh-xmss@openssh.com AAAA`,
        `[127.0.0.1]:2200 ${HOST_KEY}`,
        '',
      ].join('\n'),
    });
    const result = openSshFallbacks(values({ password: 'secret-word' }), dir);
    expect(result.values.knownHosts).toBe(`\n\n\n[127.0.0.1]:2200 ${HOST_KEY}\n`);
    expect(result.notes).toEqual([
      'No host key pinned: checking [127.0.0.1]:2200 against ~/.ssh/known_hosts.',
    ]);
    const policy = new HostKeyPolicy('127.0.0.1', 2200, { knownHosts: result.values.knownHosts });
    expect(policy.expected).toHaveLength(1);

    const pinned = openSshFallbacks(
      values({ password: 'secret-word', 'known-hosts': `[127.0.0.1]:2200 ${OTHER_KEY}` }),
      dir,
    );
    expect(pinned.values.knownHosts).toBeUndefined();
  });

  test('known_hosts without an entry for the host is not taken, and the note says so', () => {
    const dir = freshHome({ known_hosts: `[127.0.0.1]:2222 ${OTHER_KEY}\n` });
    const result = openSshFallbacks(values({ password: 'secret-word' }), dir);
    expect(result.values).toEqual({});
    expect(result.notes).toEqual(['~/.ssh/known_hosts has no entry for [127.0.0.1]:2200.']);
  });
});

describe('path-or-text inputs', () => {
  test('known-hosts names a file (~/ is the home folder) or holds the text', () => {
    const dir = freshHome({ pinned: `[127.0.0.1]:2200 ${HOST_KEY}\n` });
    const asPath = sshConnectOptions(values({ 'known-hosts': join(dir, '.ssh', 'pinned') }), undefined);
    expect(asPath.knownHosts).toBe(`[127.0.0.1]:2200 ${HOST_KEY}\n`);
    expect(expandHome('~/.ssh/pinned', dir)).toBe(join(dir, '.ssh', 'pinned'));
    const asText = sshConnectOptions(values({ 'known-hosts': `[127.0.0.1]:2200 ${HOST_KEY}` }), undefined);
    expect(asText.knownHosts).toBe(`[127.0.0.1]:2200 ${HOST_KEY}`);
    expect(() => sshConnectOptions(values({ 'known-hosts': join(dir, 'missing') }), undefined)).toThrow(
      'known-hosts is neither known_hosts text (host key-type base64-key) nor a readable file (ENOENT).',
    );
  });

  test('ssh-key names a file, whose key is then masked like a key given as text', () => {
    const key = keygen('ed25519').privateKey;
    const dir = freshHome({ 'my key': key });
    const loaded = loadPrivateKey(join(dir, '.ssh', 'my key'), undefined);
    expect(loaded.key.toString()).toBe(key.trim() + '\n');
    const middle = key.split('\n')[2]!;
    expect(redact(`log: ${middle}`)).toBe('log: ***');
    expect(() => loadPrivateKey(join(dir, 'absent'), undefined)).toThrow(
      'ssh-key is neither private key text (-----BEGIN ... PRIVATE KEY-----) nor a readable file (ENOENT).',
    );
    expect(() => loadPrivateKey(`${join(dir, '.ssh', 'my key')}\nsecond line`, undefined)).toThrow(
      'ssh-key is not a private key',
    );
  });
});
