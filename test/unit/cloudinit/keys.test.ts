import { afterAll, describe, expect, test } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { ConfigurationError } from '../../../shared/errors.js';
import { generateEd25519KeyPair, sshFingerprint } from '../../../shared/cloudinit/keys.js';
import { newKeyPairArgs } from '../../support/ssh-keygen.js';
import { readTool, scratchDir } from './tools.js';

const scratch = scratchDir('keys');
afterAll(() => scratch.remove());

describe('generateEd25519KeyPair', () => {
  const pair = generateEd25519KeyPair('indicovm-test@example');

  test('writes an OpenSSH private key that ssh-keygen turns back into the same public key', () => {
    const text = pair.privateKey.reveal();
    expect(text.startsWith('-----BEGIN OPENSSH PRIVATE KEY-----\n')).toBe(true);
    expect(text.endsWith('-----END OPENSSH PRIVATE KEY-----\n')).toBe(true);
    const path = scratch.file('id_ed25519');
    writeFileSync(path, text, { mode: 0o600 });
    const derived = readTool('ssh-keygen', ['-y', '-f', path]).trim().split(' ');
    expect(derived.slice(0, 2)).toEqual(pair.publicKey.split(' ').slice(0, 2));
    expect(pair.publicKey).toMatch(
      /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]{43} indicovm-test@example$/,
    );
  });

  test('the fingerprint is what ssh-keygen -lf prints', () => {
    const path = scratch.file('id_ed25519.pub');
    writeFileSync(path, `${pair.publicKey}\n`);
    expect(readTool('ssh-keygen', ['-lf', path]).trim()).toBe(
      `256 ${pair.fingerprint} indicovm-test@example (ED25519)`,
    );
  });

  test('every pair holds a whole 32-byte key, also when the key starts with a zero byte', () => {
    // ssh2 drops such a leading zero (1 key in 256): in 2000 pairs that happens almost surely.
    for (let i = 0; i < 2000; i++) {
      const blob = Buffer.from(generateEd25519KeyPair().publicKey.split(' ')[1]!, 'base64');
      expect(blob.length).toBe(51);
    }
  });

  test('two calls give two different keys', () => {
    expect(generateEd25519KeyPair().publicKey).not.toBe(generateEd25519KeyPair().publicKey);
  });

  test('the private key never shows in JSON or inspect output', () => {
    const body = pair.privateKey.reveal().split('\n')[1]!;
    expect(JSON.stringify(pair)).not.toContain(body);
    expect(inspect(pair, { depth: 5 })).not.toContain(body);
    expect(`${pair.privateKey}`).toBe('***');
  });

  test('a comment with a newline is refused', () => {
    expect(() => generateEd25519KeyPair('a\nb')).toThrow(ConfigurationError);
  });
});

describe('sshFingerprint', () => {
  test.each(['ed25519', 'ecdsa', 'rsa'] as const)(
    'matches ssh-keygen -lf for a %s key made by ssh-keygen',
    (type) => {
      const path = scratch.file(`made-${type}`);
      readTool('ssh-keygen', newKeyPairArgs(type, 'c', path));
      const line = readFileSync(`${path}.pub`, 'utf8');
      const printed = readTool('ssh-keygen', ['-lf', `${path}.pub`]).split(' ')[1];
      expect(sshFingerprint(line)).toBe(printed);
      expect(sshFingerprint(line.split(' ').slice(0, 2).join(' '))).toBe(printed);
    },
  );

  test('refuses text that is not a key line, and a blob of another type', () => {
    expect(() => sshFingerprint('not a key')).toThrow(/Invalid SSH public key "not a key"/);
    const { publicKey } = generateEd25519KeyPair();
    const blob = publicKey.split(' ')[1]!;
    expect(() => sshFingerprint(`ssh-rsa ${blob}`)).toThrow(/does not match its type ssh-rsa/);
  });
});
