import ssh2 from 'ssh2';
import { ConfigurationError } from '../errors.js';
import { isSecret, Secret } from '../secret.js';
import { textOrFile } from './text-or-file.js';

// PEM and OpenSSH armour, or PuTTY's .ppk, which ssh2 reads too.
const KEY_TEXT = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----|^PuTTY-User-Key-File-\d+:/m;
const PRIVATE_KEY = {
  what: 'private key text (-----BEGIN ... PRIVATE KEY-----)',
  isText: (line: string) => KEY_TEXT.test(line),
};

export interface LoadedPrivateKey {
  readonly key: Buffer;
  readonly passphrase?: string;
}

/**
 * Reads a private key given as text or as a path, and checks that it parses (and decrypts with the
 * passphrase) before any connection is tried, so a wrong key is a clear input error rather than an
 * authentication failure. Error messages name the input, never the key or the passphrase.
 */
export function loadPrivateKey(
  given: Secret | string,
  passphrase: Secret | undefined,
  inputName = 'ssh-key',
): LoadedPrivateKey {
  const plain = isSecret(given) ? given.reveal() : given;
  const value = textOrFile(plain, inputName, PRIVATE_KEY);
  if (value !== plain) {
    // A key read from a file is masked in logs like one given as text.
    void new Secret(value);
  }
  if (!KEY_TEXT.test(value)) {
    throw new ConfigurationError(
      `${inputName} is not a private key: expected OpenSSH or PEM text (-----BEGIN ... PRIVATE KEY-----) or a file path.`,
    );
  }
  // Keys pasted into YAML inputs often lose their final newline or gain CRLFs.
  const text = Buffer.from(value.replace(/\r\n/g, '\n').trim() + '\n');
  const secretPassphrase = passphrase?.reveal();
  const parsed = ssh2.utils.parseKey(text, secretPassphrase);
  const first: unknown = Array.isArray(parsed) ? parsed[0] : parsed;
  // ssh2 returns (not throws) an Error; it is told apart by shape, as it may come from another realm.
  if (!isParsedKey(first)) {
    throw new ConfigurationError(
      `${inputName} could not be read: ${describeParseError(first, inputName, passphrase !== undefined)}`,
    );
  }
  if (!first.isPrivateKey()) {
    throw new ConfigurationError(`${inputName} holds a public key; a private key is needed.`);
  }
  return { key: text, ...(secretPassphrase !== undefined ? { passphrase: secretPassphrase } : {}) };
}

function isParsedKey(value: unknown): value is { isPrivateKey(): boolean } {
  return typeof (value as { isPrivateKey?: unknown } | undefined)?.isPrivateKey === 'function';
}

function describeParseError(error: unknown, inputName: string, hadPassphrase: boolean): string {
  const message = String((error as { message?: unknown } | undefined)?.message ?? 'unknown key format');
  if (/no passphrase/i.test(message)) {
    return `the key is encrypted and needs ${inputName}-passphrase.`;
  }
  if (hadPassphrase && /decrypt|bad passphrase|integrity/i.test(message)) {
    return 'the passphrase does not decrypt it.';
  }
  return `${message}.`;
}
