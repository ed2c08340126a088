import { readFileSync } from 'node:fs';
import ssh2 from 'ssh2';
import { ConfigurationError } from '../errors.js';
import { isSecret, type Secret } from '../secret.js';

const KEY_TEXT = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

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
  const value = isSecret(given) ? given.reveal() : given;
  let text: Buffer;
  if (KEY_TEXT.test(value)) {
    // Keys pasted into YAML inputs often lose their final newline or gain CRLFs.
    text = Buffer.from(value.replace(/\r\n/g, '\n').trim() + '\n');
  } else if (!value.includes('\n') && value.trim() !== '') {
    try {
      text = readFileSync(value.trim());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new ConfigurationError(
        `${inputName} is neither private key text (-----BEGIN ... PRIVATE KEY-----) nor a readable file (${code}).`,
      );
    }
  } else {
    throw new ConfigurationError(
      `${inputName} is not a private key: expected OpenSSH or PEM text (-----BEGIN ... PRIVATE KEY-----) or a file path.`,
    );
  }
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
