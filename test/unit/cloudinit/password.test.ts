import { describe, expect, test } from '@jest/globals';
import { ConfigurationError } from '../../../shared/errors.js';
import { randomPassword, sha512Crypt } from '../../../shared/cloudinit/password.js';
import { Secret } from '../../../shared/secret.js';
import { readTool } from './tools.js';

const openssl = (password: string, salt: string) =>
  readTool('openssl', ['passwd', '-6', '-salt', salt, password]).trim();
// glibc/libxcrypt crypt(3) through perl: the reference for the rounds= form, which openssl cannot make.
const libcCrypt = (password: string, setting: string) =>
  readTool('perl', ['-e', 'print crypt($ARGV[0], $ARGV[1])', password, setting]);

describe('sha512Crypt', () => {
  test("matches the specification's test vectors", () => {
    expect(sha512Crypt('Hello world!', { salt: 'saltstring' })).toBe(
      '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1',
    );
    expect(sha512Crypt('Hello world!', { salt: 'saltstringsaltst', rounds: 10000 })).toBe(
      '$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.',
    );
  });

  test.each([
    ['a', 'abc'],
    ['correct horse battery staple', 'Zx./09azAZ'],
    ['pässwörd ✓', '1234567890abcdef'],
    ['x'.repeat(64), 's'],
    ['y'.repeat(200), 'longpasswordsal'],
  ])('matches openssl passwd -6 for %j with salt %s', (password, salt) => {
    expect(sha512Crypt(password, { salt })).toBe(openssl(password, salt));
  });

  test('matches libc crypt(3) with a rounds= setting', () => {
    expect(sha512Crypt('build-pass', { salt: 'q9Wz', rounds: 1234 })).toBe(
      libcCrypt('build-pass', '$6$rounds=1234$q9Wz$'),
    );
  });

  test('a random salt is 16 characters, and openssl agrees with the hash made with it', () => {
    const password = randomPassword();
    const hash = sha512Crypt(password);
    const match = /^\$6\$([./0-9A-Za-z]{16})\$[./0-9A-Za-z]{86}$/.exec(hash);
    expect(match).not.toBeNull();
    expect(openssl(password.reveal(), match![1]!)).toBe(hash);
    expect(sha512Crypt(password)).not.toBe(hash);
  });

  test('refuses salts and rounds out of range', () => {
    expect(() => sha512Crypt('p', { salt: 'has$dollar' })).toThrow(ConfigurationError);
    expect(() => sha512Crypt('p', { salt: 'x'.repeat(17) })).toThrow(/1 to 16 characters/);
    expect(() => sha512Crypt('p', { rounds: 999 })).toThrow(/from 1000 to 999999999/);
  });
});

describe('randomPassword', () => {
  test('is a Secret of 24 shell-safe characters, different each time', () => {
    const first = randomPassword();
    expect(first).toBeInstanceOf(Secret);
    expect(first.reveal()).toMatch(/^[A-Za-z2-9]{24}$/);
    expect(randomPassword().reveal()).not.toBe(first.reveal());
  });
});
