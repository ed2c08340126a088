/**
 * cloud-init prints the instance's SSH host public keys to the serial console between
 * `-----BEGIN SSH HOST KEY KEYS-----` and `-----END SSH HOST KEY KEYS-----`. Read from Nova's console
 * log they let the first SSH connection verify the host instead of trusting it blindly. Console text
 * is messy: kernel messages interleave, lines carry syslog or timestamp prefixes and CRs, and a
 * rebooted server shows several blocks (the last complete one is current).
 */

export interface HostKey {
  readonly type: string;
  /** Base64 key blob. */
  readonly key: string;
  /** The `type key` pair, as in a known_hosts line. */
  readonly line: string;
}

const BEGIN = '-----BEGIN SSH HOST KEY KEYS-----';
const END = '-----END SSH HOST KEY KEYS-----';
const KEY =
  /(ssh-ed25519|ssh-rsa|ssh-dss|ecdsa-sha2-nistp(?:256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com)\s+([A-Za-z0-9+/]+={0,2})(?=\s|$)/;

export function parseConsoleHostKeys(console: string): HostKey[] {
  const lines = console.split(/\r?\n|\r/);
  let best: HostKey[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    if (!(lines[i] ?? '').includes(BEGIN)) {
      continue;
    }
    const keys: HostKey[] = [];
    let closed = false;
    for (i += 1; i < lines.length; i += 1) {
      const line = lines[i] ?? '';
      if (line.includes(END)) {
        closed = true;
        break;
      }
      if (line.includes(BEGIN)) {
        i -= 1;
        break;
      }
      const key = parseKey(line);
      if (key && !keys.some((known) => known.line === key.line)) {
        keys.push(key);
      }
    }
    if (closed && keys.length > 0) {
      best = keys;
    }
  }
  return best;
}

/** A key found anywhere in the line whose blob really is a key of the stated type. */
function parseKey(line: string): HostKey | undefined {
  const match = KEY.exec(line);
  if (!match) {
    return undefined;
  }
  const [, type = '', key = ''] = match;
  const fields = wireFields(Buffer.from(key, 'base64'));
  if (fields === undefined || fields.length !== FIELD_COUNT[type] || fields[0]?.toString('latin1') !== type) {
    // A key cut in two by interleaved kernel output, or not a key at all.
    return undefined;
  }
  return { type, key, line: `${type} ${key}` };
}

/** How many length-prefixed fields each public key blob has, its type name included. */
const FIELD_COUNT: Record<string, number> = {
  'ssh-ed25519': 2,
  'ssh-rsa': 3,
  'ssh-dss': 5,
  'ecdsa-sha2-nistp256': 3,
  'ecdsa-sha2-nistp384': 3,
  'ecdsa-sha2-nistp521': 3,
  'sk-ssh-ed25519@openssh.com': 3,
  'sk-ecdsa-sha2-nistp256@openssh.com': 4,
};

/** The SSH wire-format strings of a blob, or undefined unless they use up the blob exactly. */
function wireFields(blob: Buffer): Buffer[] | undefined {
  const fields: Buffer[] = [];
  let offset = 0;
  while (offset < blob.length) {
    if (offset + 4 > blob.length) {
      return undefined;
    }
    const length = blob.readUInt32BE(offset);
    if (offset + 4 + length > blob.length) {
      return undefined;
    }
    fields.push(blob.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  return fields;
}
