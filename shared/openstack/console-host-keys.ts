/**
 * cloud-init prints the instance's SSH host public keys to the serial console between
 * `-----BEGIN SSH HOST KEY KEYS-----` and `-----END SSH HOST KEY KEYS-----`. Read from Nova's console
 * log they let the first SSH connection verify the host instead of trusting it blindly. Console text
 * is messy: kernel messages interleave, lines carry syslog or timestamp prefixes and CRs, and a
 * rebooted server shows the block again. Only the first complete block is cloud-init's own: anything
 * running in the guest later can print a block of its own, so a later block with other keys is refused
 * rather than believed.
 */
import { fingerprintOf } from '../ssh/host-key.js';
import { PUBLIC_KEY_IN_TEXT, publicKeyBlob } from '../ssh/public-key.js';

export interface HostKey {
  readonly type: string;
  /** Base64 key blob. */
  readonly key: string;
  /** The `type key` pair, as in a known_hosts line. */
  readonly line: string;
}

const BEGIN = '-----BEGIN SSH HOST KEY KEYS-----';
const END = '-----END SSH HOST KEY KEYS-----';

/** Two complete host-key blocks on one console that name different keys. */
export class ConflictingHostKeys extends Error {
  constructor(
    readonly first: readonly HostKey[],
    readonly later: readonly HostKey[],
  ) {
    super(
      `the console shows two different SSH host-key blocks (first: ${describe(first)}; later: ${describe(later)}); ` +
        'something in the guest printed a block of its own, or its keys were replaced, so neither is trusted',
    );
  }
}

function describe(keys: readonly HostKey[]): string {
  return keys.map((key) => `${key.type} ${fingerprintOf(Buffer.from(key.key, 'base64'))}`).join(', ');
}

/** The first complete block's keys ([] when there is none yet); throws ConflictingHostKeys. */
export function parseConsoleHostKeys(console: string): HostKey[] {
  const blocks = completeBlocks(console);
  const [first = [], ...later] = blocks;
  const conflict = later.find((keys) => !sameKeys(keys, first));
  if (conflict) {
    throw new ConflictingHostKeys(first, conflict);
  }
  return first;
}

function sameKeys(a: readonly HostKey[], b: readonly HostKey[]): boolean {
  const lines = new Set(a.map((key) => key.line));
  return a.length === b.length && b.every((key) => lines.has(key.line));
}

function completeBlocks(console: string): HostKey[][] {
  const lines = console.split(/\r?\n|\r/);
  const blocks: HostKey[][] = [];
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
      blocks.push(keys);
    }
  }
  return blocks;
}

/** A key found anywhere in the line whose blob really is a key of the stated type. */
function parseKey(line: string): HostKey | undefined {
  const match = PUBLIC_KEY_IN_TEXT.exec(line);
  if (!match) {
    return undefined;
  }
  const [, type = '', key = ''] = match;
  // A key cut in two by interleaved kernel output, or not a key at all, is no key.
  if (publicKeyBlob(type, key) === undefined) {
    return undefined;
  }
  return { type, key, line: `${type} ${key}` };
}
