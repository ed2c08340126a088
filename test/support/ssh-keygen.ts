/** The ssh-keygen arguments that make a key pair, for tests that check our key handling against OpenSSH's. */
export type KeygenType = 'ed25519' | 'ecdsa' | 'rsa';

/** Writes `path` and `path.pub` without a passphrase; RSA at 2048 bits, quicker to make than the default 3072. */
export function newKeyPairArgs(type: KeygenType, comment: string, path: string): string[] {
  return ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', '', '-C', comment, '-f', path];
}
