import ssh2 from 'ssh2';
import { ConfigurationError } from '../errors.js';
import { Secret } from '../secret.js';
import { fingerprintOf } from '../ssh/host-key.js';
import { publicKeyBlob, wireFields } from '../ssh/public-key.js';

/** An OpenSSH key pair: the private key only ever leaves this object through Secret.reveal(). */
export interface SshKeyPair {
  /** `-----BEGIN OPENSSH PRIVATE KEY-----` text, unencrypted, ending in a newline. */
  readonly privateKey: Secret;
  /** One `authorized_keys` line: `ssh-ed25519 AAAA… comment` (no newline). */
  readonly publicKey: string;
  /** `SHA256:…`, as `ssh-keygen -lf` prints it. */
  readonly fingerprint: string;
}

const COMMENT = /^[\x20-\x7e]*$/;

/** A fresh ed25519 key pair; the comment ends up on the public key line, so it must be printable ASCII. */
export function generateEd25519KeyPair(comment = ''): SshKeyPair {
  if (!COMMENT.test(comment)) {
    throw new ConfigurationError(
      `Invalid SSH key comment ${JSON.stringify(comment)}: use printable ASCII characters only (no newlines).`,
    );
  }
  // ssh2 drops the leading zero byte of a public key that starts with one (1 key in 256), which
  // leaves both halves unreadable to OpenSSH ("error in libcrypto"): such a pair is drawn again.
  let pair = ssh2.utils.generateKeyPairSync('ed25519', { comment });
  while (!hasWholeEd25519Key(pair.public)) {
    pair = ssh2.utils.generateKeyPairSync('ed25519', { comment });
  }
  const privateText = pair.private.endsWith('\n') ? pair.private : `${pair.private}\n`;
  const publicKey = pair.public.trim();
  return { privateKey: new Secret(privateText), publicKey, fingerprint: sshFingerprint(publicKey) };
}

/** A whole ed25519 key: its blob's second field is the 32-byte key itself. */
function hasWholeEd25519Key(publicKeyLine: string): boolean {
  const [type, data] = publicKeyLine.trim().split(/\s+/);
  const blob = publicKeyBlob(type, data);
  return type === 'ssh-ed25519' && blob !== undefined && wireFields(blob)![1]!.length === 32;
}

/**
 * The SHA256 fingerprint of a public key line, exactly as OpenSSH prints it: `SHA256:` and the unpadded
 * base64 of the SHA-256 of the key blob (the base64 field of the line, decoded).
 */
export function sshFingerprint(publicKeyLine: string): string {
  const [type, data] = publicKeyLine.trim().split(/\s+/);
  if (type === undefined || data === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(data)) {
    throw new ConfigurationError(
      `Invalid SSH public key ${JSON.stringify(abbreviate(publicKeyLine))}: expected "TYPE BASE64 [comment]".`,
    );
  }
  const blob = publicKeyBlob(type, data);
  // The blob starts with its own type as an SSH string; a mismatch means a damaged or pasted-wrong key.
  if (blob === undefined) {
    throw new ConfigurationError(
      `Invalid SSH public key ${JSON.stringify(abbreviate(publicKeyLine))}: the key data does not match its type ${type}.`,
    );
  }
  return fingerprintOf(blob);
}

function abbreviate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
