import { describe, expect, test } from '@jest/globals';
import { generateEd25519KeyPair } from '../../../shared/cloudinit/keys.js';
import { parseConsoleHostKeys } from '../../../shared/openstack/console-host-keys.js';
import { parseHostKeys } from '../../../shared/ssh/host-key.js';
import { PUBLIC_KEY_IN_TEXT, publicKeyBlob } from '../../../shared/ssh/public-key.js';

// One rule for what a public key is, whoever reads it: pinned host keys, a console's host-key block.
const whole = generateEd25519KeyPair('t').publicKey.split(' ').slice(0, 2) as [string, string];
const blob = Buffer.from(whole[1], 'base64');
/** The same key with its last byte gone, as a console line cut short would leave it. */
const cut = blob.subarray(0, blob.length - 1).toString('base64');

describe('public keys', () => {
  test('a whole key of a known type is one; a cut one, an unknown type or a type mismatch is not', () => {
    expect(publicKeyBlob(...whole)?.equals(blob)).toBe(true);
    expect(publicKeyBlob('ssh-ed25519', cut)).toBeUndefined();
    expect(publicKeyBlob('ssh-rsa', whole[1])).toBeUndefined();
    expect(publicKeyBlob('ssh-foo', whole[1])).toBeUndefined();
  });

  test('host-keys and the console block read keys by the same rule', () => {
    expect(parseHostKeys(whole.join(' '))).toHaveLength(1);
    expect(() => parseHostKeys(`ssh-ed25519 ${cut}`)).toThrow(
      /host-keys line 1 is not an OpenSSH public key line/,
    );
    const console = (key: string) =>
      `-----BEGIN SSH HOST KEY KEYS-----\n[  9.1] cloud-init: ssh-ed25519 ${key} root@vm\n-----END SSH HOST KEY KEYS-----\n`;
    expect(parseConsoleHostKeys(console(whole[1])).map((k) => k.line)).toEqual([whole.join(' ')]);
    expect(parseConsoleHostKeys(console(cut))).toEqual([]);
  });

  test('the in-text pattern finds every known type, security keys included', () => {
    expect(PUBLIC_KEY_IN_TEXT.exec('x sk-ssh-ed25519@openssh.com AAAA y')?.[1]).toBe(
      'sk-ssh-ed25519@openssh.com',
    );
    expect(PUBLIC_KEY_IN_TEXT.exec('ecdsa-sha2-nistp384 AAAA')?.[1]).toBe('ecdsa-sha2-nistp384');
  });
});
