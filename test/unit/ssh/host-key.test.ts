import { beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError } from '../../../shared/errors.js';
import {
  fingerprintOf,
  HostKeyPolicy,
  hostPatternsMatch,
  keyTypeOf,
  knownHostsName,
  parseFingerprint,
  parseHostKeys,
  parseKnownHosts,
  parsePublicKeyLine,
} from '../../../shared/ssh/host-key.js';
import { newKeyPairArgs, type KeygenType } from '../../support/ssh-keygen.js';
import { useTempDir } from '../../support/temp-dir.js';

interface GeneratedKey {
  readonly line: string;
  readonly blob: Buffer;
  /** `ssh-keygen -lf` output for the public key. */
  readonly keygenLine: string;
  readonly keygenFingerprint: string;
}

const dir = useTempDir('indicovm-hostkey-');
const keys: Record<KeygenType, GeneratedKey> = {} as never;

function generate(type: KeygenType): GeneratedKey {
  const path = join(dir(), `key_${type}`);
  execFileSync('ssh-keygen', newKeyPairArgs(type, `c-${type}`, path));
  const line = readFileSync(`${path}.pub`, 'utf8').trim();
  const keygenLine = execFileSync('ssh-keygen', ['-l', '-f', `${path}.pub`], { encoding: 'utf8' }).trim();
  return {
    line,
    blob: Buffer.from(line.split(' ')[1] as string, 'base64'),
    keygenLine,
    keygenFingerprint: /SHA256:\S+/.exec(keygenLine)?.[0] as string,
  };
}

/** known_hosts text hashed by ssh-keygen -H itself, so the test checks against OpenSSH's hashing. */
function hashed(text: string): string {
  const path = join(dir(), `known_hosts_${Math.random().toString(16).slice(2)}`);
  writeFileSync(path, text);
  execFileSync('ssh-keygen', ['-q', '-H', '-f', path], { stdio: 'ignore' });
  return readFileSync(path, 'utf8');
}

beforeAll(() => {
  keys.ed25519 = generate('ed25519');
  keys.ecdsa = generate('ecdsa');
  keys.rsa = generate('rsa');
});

describe('fingerprints', () => {
  test.each(['ed25519', 'ecdsa', 'rsa'] as const)('%s fingerprint equals ssh-keygen -lf', (type) => {
    const key = keys[type];
    expect(key.keygenFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(fingerprintOf(key.blob)).toBe(key.keygenFingerprint);
  });

  test('keyTypeOf reads the algorithm inside the blob', () => {
    expect(keyTypeOf(keys.ed25519.blob)).toBe('ssh-ed25519');
    expect(keyTypeOf(keys.ecdsa.blob)).toBe('ecdsa-sha2-nistp256');
    expect(keyTypeOf(keys.rsa.blob)).toBe('ssh-rsa');
    expect(keyTypeOf(Buffer.from([0, 0]))).toBeUndefined();
    expect(keyTypeOf(Buffer.from([0, 0, 1, 0, 65]))).toBeUndefined();
  });

  test('parseFingerprint takes the bare form, a padded form and a whole ssh-keygen -lf line', () => {
    const fp = keys.ed25519.keygenFingerprint;
    expect(parseFingerprint(fp)).toBe(fp);
    expect(parseFingerprint(`${fp}=`)).toBe(fp);
    expect(parseFingerprint(keys.ed25519.keygenLine)).toBe(fp);
  });

  test('parseFingerprint rejects MD5 and truncated fingerprints, naming the input', () => {
    expect(() => parseFingerprint('MD5:aa:bb:cc', 'proxy-fingerprint')).toThrow(ConfigurationError);
    expect(() => parseFingerprint('MD5:aa:bb:cc', 'proxy-fingerprint')).toThrow(/proxy-fingerprint .*SHA256/);
    expect(() => parseFingerprint(keys.ed25519.keygenFingerprint.slice(0, 30))).toThrow(
      /not a SHA256 fingerprint/,
    );
  });
});

describe('public key lines', () => {
  test('plain lines, lines with a host field (ssh-keyscan) and cloud-init markers', () => {
    const text = [
      '-----BEGIN SSH HOST KEY KEYS-----',
      keys.ed25519.line,
      `vm.example.org ${keys.ecdsa.line}`,
      '',
      '# a comment',
      `@revoked [10.0.0.5]:2222 ${keys.rsa.line}`,
      '-----END SSH HOST KEY KEYS-----',
    ].join('\n');
    const parsed = parseHostKeys(text);
    expect(parsed.map((k) => k.type)).toEqual(['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ssh-rsa']);
    expect(parsed[0]?.blob.equals(keys.ed25519.blob)).toBe(true);
  });

  test('a key whose declared type does not match its blob is not a key', () => {
    const [, data] = keys.ed25519.line.split(' ');
    expect(parsePublicKeyLine(`ssh-rsa ${data}`)).toBeUndefined();
    expect(() => parseHostKeys(`ssh-rsa ${data}`)).toThrow(
      /host-keys line 1 is not an OpenSSH public key line/,
    );
  });

  test('garbage lines are reported by line number', () => {
    expect(() => parseHostKeys(`${keys.ed25519.line}\nnot a key`, 'proxy-host-keys')).toThrow(
      /proxy-host-keys line 2 .*"not a key"/,
    );
  });
});

describe('known_hosts', () => {
  test('names: bare on port 22, [host]:port otherwise, lower-cased', () => {
    expect(knownHostsName('VM.Example.org', 22)).toBe('vm.example.org');
    expect(knownHostsName('127.0.0.1', 2222)).toBe('[127.0.0.1]:2222');
  });

  test('patterns: lists, wildcards, negation and ports', () => {
    expect(hostPatternsMatch('a.example,b.example', 'b.example', 22)).toBe(true);
    expect(hostPatternsMatch('*.example', 'vm.example', 22)).toBe(true);
    expect(hostPatternsMatch('*.example,!bad.example', 'bad.example', 22)).toBe(false);
    expect(hostPatternsMatch('vm.example', 'vm.example', 2222)).toBe(false);
    expect(hostPatternsMatch('[vm.example]:2222', 'vm.example', 2222)).toBe(true);
    expect(hostPatternsMatch('[vm.example]:2222', 'vm.example', 22)).toBe(false);
    expect(hostPatternsMatch('vm?example', 'vm.example', 22)).toBe(true);
    expect(hostPatternsMatch('vm.example', 'vmxexample', 22)).toBe(false);
  });

  test('hashed entries written by ssh-keygen -H match their host and port only', () => {
    const text = hashed(`vm.example.org ${keys.ed25519.line}\n[127.0.0.1]:2222 ${keys.ecdsa.line}\n`);
    const entries = parseKnownHosts(text);
    expect(entries).toHaveLength(2);
    expect(entries.every((e) => e.patterns.startsWith('|1|'))).toBe(true);
    const [first, second] = entries as [(typeof entries)[0], (typeof entries)[0]];
    expect(hostPatternsMatch(first.patterns, 'vm.example.org', 22)).toBe(true);
    expect(hostPatternsMatch(first.patterns, 'vm.example.org', 2222)).toBe(false);
    expect(hostPatternsMatch(first.patterns, 'other.example.org', 22)).toBe(false);
    expect(hostPatternsMatch(second.patterns, '127.0.0.1', 2222)).toBe(true);
    expect(hostPatternsMatch(second.patterns, '127.0.0.1', 22)).toBe(false);
  });

  test('markers and malformed lines', () => {
    const entries = parseKnownHosts(
      `@cert-authority *.example ${keys.rsa.line}\n@revoked * ${keys.ecdsa.line}`,
    );
    expect(entries.map((e) => e.marker)).toEqual(['@cert-authority', '@revoked']);
    expect(() => parseKnownHosts('@bogus host ssh-ed25519 AAAA')).toThrow(/unknown marker/);
    expect(() => parseKnownHosts(`\n${keys.ed25519.line}`, 'known-hosts')).toThrow(/known-hosts line 2/);
  });
});

describe('HostKeyPolicy', () => {
  test('nothing pinned and no insecure acceptance is an input error before any connection', () => {
    expect(() => new HostKeyPolicy('vm.example', 22, {})).toThrow(ConfigurationError);
    expect(() => new HostKeyPolicy('vm.example', 22, {})).toThrow(/No host key is pinned for vm.example/);
    // known_hosts without an entry for this host pins nothing either.
    expect(
      () => new HostKeyPolicy('vm.example', 22, { knownHosts: `other.example ${keys.ed25519.line}` }),
    ).toThrow(/No host key is pinned/);
  });

  test('a pinned key is accepted, another key is refused with both fingerprints in the reason', () => {
    const policy = new HostKeyPolicy('vm.example', 22, { hostKeys: keys.ed25519.line });
    expect(policy.decide(keys.ed25519.blob)).toMatchObject({ accepted: true, pinned: true });
    const refused = policy.decide(keys.ecdsa.blob);
    expect(refused.accepted).toBe(false);
    if (!refused.accepted) {
      expect(refused.reason).toContain(
        `ecdsa-sha2-nistp256 host key with fingerprint ${keys.ecdsa.keygenFingerprint}`,
      );
      expect(refused.reason).toContain(`ssh-ed25519 ${keys.ed25519.keygenFingerprint} (host-keys)`);
    }
  });

  test('fingerprints pin whatever key type has them', () => {
    const policy = new HostKeyPolicy('vm.example', 22, { fingerprint: [keys.rsa.keygenLine] });
    expect(policy.decide(keys.rsa.blob).accepted).toBe(true);
    expect(policy.decide(keys.ed25519.blob).accepted).toBe(false);
    expect(policy.pinnedTypes).toEqual([]);
  });

  test('known_hosts applies per host and port, hashed or not', () => {
    const text = hashed(`[127.0.0.1]:2222 ${keys.ecdsa.line}\n`) + `127.0.0.1 ${keys.ed25519.line}\n`;
    const onPort = new HostKeyPolicy('127.0.0.1', 2222, { knownHosts: text });
    expect(onPort.decide(keys.ecdsa.blob).accepted).toBe(true);
    expect(onPort.decide(keys.ed25519.blob).accepted).toBe(false);
    expect(onPort.pinnedTypes).toEqual(['ecdsa-sha2-nistp256']);
    const on22 = new HostKeyPolicy('127.0.0.1', 22, { knownHosts: text });
    expect(on22.decide(keys.ed25519.blob).accepted).toBe(true);
    expect(on22.decide(keys.ecdsa.blob).accepted).toBe(false);
  });

  test('a @revoked key is refused even when also pinned', () => {
    const policy = new HostKeyPolicy('vm.example', 22, {
      hostKeys: keys.ed25519.line,
      knownHosts: `@revoked vm.example ${keys.ed25519.line}`,
    });
    const decision = policy.decide(keys.ed25519.blob);
    expect(decision.accepted).toBe(false);
    if (!decision.accepted) {
      expect(decision.reason).toMatch(/@revoked/);
    }
  });

  test('insecure acceptance takes any key only when nothing pins the host', () => {
    const open = new HostKeyPolicy('vm.example', 22, { insecureAcceptHostKey: true });
    expect(open.decide(keys.rsa.blob)).toMatchObject({ accepted: true, pinned: false });
    const pinned = new HostKeyPolicy('vm.example', 22, {
      insecureAcceptHostKey: true,
      hostKeys: keys.ed25519.line,
    });
    expect(pinned.decide(keys.rsa.blob).accepted).toBe(false);
  });

  test('pinnedTo accepts exactly one earlier verified key', () => {
    const policy = HostKeyPolicy.pinnedTo('vm.example', 2222, {
      type: 'ssh-ed25519',
      blob: keys.ed25519.blob,
    });
    expect(policy.decide(keys.ed25519.blob).accepted).toBe(true);
    expect(policy.decide(keys.ecdsa.blob).accepted).toBe(false);
  });
});
