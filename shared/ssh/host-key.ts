/**
 * Host key verification, kept pure so that every rule is unit-tested without a server: public key
 * lines (as cloud-init and ssh-keyscan print them), SHA256 fingerprints (as ssh-keygen -lf prints
 * them) and known_hosts text (plain, [host]:port and hashed |1| entries).
 */
import { createHash, createHmac } from 'node:crypto';
import { ConfigurationError } from '../errors.js';
import { publicKeyBlob } from './public-key.js';

/** A host public key: its algorithm name and the SSH wire-format blob it is encoded as. */
export interface HostPublicKey {
  readonly type: string;
  readonly blob: Buffer;
}

/** One key the server may offer, with where it came from (named in a mismatch error). */
export interface ExpectedKey {
  readonly fingerprint: string;
  /** Undefined for a bare fingerprint, which does not say which algorithm it is for. */
  readonly type?: string;
  readonly source: string;
}

export interface KnownHostsEntry {
  readonly marker?: '@revoked' | '@cert-authority';
  readonly patterns: string;
  readonly key: HostPublicKey;
  readonly line: number;
}

export interface HostKeyPins {
  /** Public key lines; a leading host field (ssh-keyscan, known_hosts) is ignored. */
  readonly hostKeys?: string;
  /** SHA256:... fingerprints, or whole `ssh-keygen -lf` lines. */
  readonly fingerprint?: readonly string[];
  /** known_hosts text; only entries for the connection's host and port apply. */
  readonly knownHosts?: string;
  /** Accept a host that nothing above pins, with a warning that shows its fingerprint. */
  readonly insecureAcceptHostKey?: boolean;
}

export type HostKeyDecision =
  | { readonly accepted: true; readonly fingerprint: string; readonly type: string; readonly pinned: boolean }
  | {
      readonly accepted: false;
      readonly fingerprint: string;
      readonly type: string;
      readonly reason: string;
    };

const SKIPPED_LINE = /^(#|-----(BEGIN|END) SSH HOST KEY)/;

/** The OpenSSH SHA256 fingerprint of a key blob: unpadded base64 of its SHA-256 digest. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The algorithm name written at the start of a key blob, or undefined if the blob is malformed. */
export function keyTypeOf(blob: Buffer): string | undefined {
  if (blob.length < 4) {
    return undefined;
  }
  const length = blob.readUInt32BE(0);
  if (length === 0 || length > 64 || 4 + length > blob.length) {
    return undefined;
  }
  return blob.subarray(4, 4 + length).toString('latin1');
}

/** A `type base64` pair if it is a whole key of a known type (shared/ssh/public-key.ts). */
function keyFromFields(type: string | undefined, data: string | undefined): HostPublicKey | undefined {
  const blob = publicKeyBlob(type, data);
  return blob && type ? { type, blob } : undefined;
}

/**
 * Parses one public key line: `type base64 [comment]`, optionally preceded by a host field (and a
 * known_hosts marker) as ssh-keyscan and known_hosts write it. Undefined when the line holds no key.
 */
export function parsePublicKeyLine(line: string): HostPublicKey | undefined {
  const fields = line.trim().split(/\s+/);
  for (let i = 0; i < Math.min(fields.length - 1, 3); i++) {
    const key = keyFromFields(fields[i], fields[i + 1]);
    if (key) {
      return key;
    }
  }
  return undefined;
}

function describeLine(line: string): string {
  const shown = line.length > 60 ? `${line.slice(0, 57)}...` : line;
  return JSON.stringify(shown);
}

/** All keys of a host-keys text; blank lines, comments and cloud-init's BEGIN/END markers are skipped. */
export function parseHostKeys(text: string, inputName = 'host-keys'): HostPublicKey[] {
  const keys: HostPublicKey[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || SKIPPED_LINE.test(line)) {
      return;
    }
    const key = parsePublicKeyLine(line);
    if (!key) {
      throw new ConfigurationError(
        `${inputName} line ${index + 1} is not an OpenSSH public key line (like "ssh-ed25519 AAAA... comment", ` +
          `optionally after a host name): ${describeLine(line)}`,
      );
    }
    keys.push(key);
  });
  return keys;
}

/** Normalises a SHA256 fingerprint, given alone or as a whole `ssh-keygen -lf` output line. */
export function parseFingerprint(text: string, inputName = 'fingerprint'): string {
  const match = /(?:^|\s)SHA256:([A-Za-z0-9+/]{43})=?(?:\s|$)/.exec(text.trim());
  if (!match) {
    throw new ConfigurationError(
      `${inputName} ${describeLine(text.trim())} is not a SHA256 fingerprint; ` +
        'allowed: "SHA256:" and 43 base64 characters, as `ssh-keygen -lf` prints it.',
    );
  }
  return `SHA256:${match[1]}`;
}

export function parseKnownHosts(text: string, inputName = 'known-hosts'): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) {
      return;
    }
    const fields = line.split(/\s+/);
    let marker: KnownHostsEntry['marker'];
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') {
      marker = fields.shift() as KnownHostsEntry['marker'];
    } else if (fields[0]?.startsWith('@')) {
      throw new ConfigurationError(
        `${inputName} line ${index + 1} has an unknown marker ${describeLine(fields[0])}; allowed: @revoked, @cert-authority.`,
      );
    }
    const [patterns, type, data] = fields;
    const key = keyFromFields(type, data);
    if (patterns === undefined || !key) {
      throw new ConfigurationError(
        `${inputName} line ${index + 1} is not a known_hosts line ("host[,host...] key-type base64-key"): ` +
          describeLine(line),
      );
    }
    entries.push({ ...(marker ? { marker } : {}), patterns, key, line: index + 1 });
  });
  return entries;
}

/** How OpenSSH names a host in known_hosts: the bare name on port 22, `[name]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  const name = host.toLowerCase();
  return port === 22 ? name : `[${name}]:${port}`;
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${body}$`, 'i');
}

function hashedMatches(pattern: string, name: string): boolean {
  const [, magic, salt, hash] = pattern.split('|');
  if (magic !== '1' || salt === undefined || hash === undefined) {
    return false;
  }
  const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
  return digest === hash;
}

/** Whether a known_hosts host field names this host: globs, !negations and hashed |1| entries. */
export function hostPatternsMatch(patterns: string, host: string, port: number): boolean {
  const name = knownHostsName(host, port);
  if (patterns.startsWith('|')) {
    return hashedMatches(patterns, name);
  }
  let matched = false;
  for (const pattern of patterns.split(',')) {
    const negated = pattern.startsWith('!');
    const glob = negated ? pattern.slice(1) : pattern;
    if (globToRegExp(glob).test(name)) {
      if (negated) {
        return false;
      }
      matched = true;
    }
  }
  return matched;
}

/**
 * Everything the pins say about one host: the keys and fingerprints it may offer and the keys it must
 * not. Throws a ConfigurationError when nothing pins the host and insecure acceptance is off.
 */
export class HostKeyPolicy {
  readonly expected: readonly ExpectedKey[];
  readonly revoked: readonly string[];
  readonly insecure: boolean;
  /** The algorithms of the pinned keys, so the client can ask the server for those first. */
  readonly pinnedTypes: readonly string[];

  constructor(
    readonly host: string,
    readonly port: number,
    pins: HostKeyPins,
    inputPrefix = '',
  ) {
    const expected: ExpectedKey[] = [];
    const revoked: string[] = [];
    for (const key of parseHostKeys(pins.hostKeys ?? '', `${inputPrefix}host-keys`)) {
      expected.push({
        fingerprint: fingerprintOf(key.blob),
        type: key.type,
        source: `${inputPrefix}host-keys`,
      });
    }
    for (const text of pins.fingerprint ?? []) {
      expected.push({
        fingerprint: parseFingerprint(text, `${inputPrefix}fingerprint`),
        source: `${inputPrefix}fingerprint`,
      });
    }
    for (const entry of parseKnownHosts(pins.knownHosts ?? '', `${inputPrefix}known-hosts`)) {
      if (!hostPatternsMatch(entry.patterns, host, port)) {
        continue;
      }
      const fingerprint = fingerprintOf(entry.key.blob);
      if (entry.marker === '@revoked') {
        revoked.push(fingerprint);
      } else if (entry.marker === undefined) {
        expected.push({
          fingerprint,
          type: entry.key.type,
          source: `${inputPrefix}known-hosts line ${entry.line}`,
        });
      }
      // @cert-authority lines vouch for host certificates, which this client does not use.
    }
    this.expected = expected;
    this.revoked = revoked;
    this.insecure = pins.insecureAcceptHostKey === true;
    this.pinnedTypes = [...new Set(expected.flatMap((e) => (e.type ? [e.type] : [])))];
    if (expected.length === 0 && !this.insecure) {
      const where = knownHostsName(host, port);
      throw new ConfigurationError(
        `No host key is pinned for ${where}: give ${inputPrefix}host-keys, ${inputPrefix}fingerprint or ` +
          `${inputPrefix}known-hosts (with an entry for ${where}), or set insecure-accept-host-key for a first contact.`,
      );
    }
  }

  /** A policy that accepts exactly the key verified on an earlier connection. */
  static pinnedTo(host: string, port: number, key: HostPublicKey): HostKeyPolicy {
    const line = `${key.type} ${key.blob.toString('base64')}`;
    return new HostKeyPolicy(host, port, { hostKeys: line });
  }

  decide(offered: Buffer): HostKeyDecision {
    const fingerprint = fingerprintOf(offered);
    const type = keyTypeOf(offered) ?? 'unknown';
    const where = `${this.host}:${this.port}`;
    if (this.revoked.includes(fingerprint)) {
      return {
        accepted: false,
        fingerprint,
        type,
        reason: `the ${type} key ${fingerprint} of ${where} is marked @revoked in known-hosts`,
      };
    }
    if (this.expected.some((e) => e.fingerprint === fingerprint)) {
      return { accepted: true, fingerprint, type, pinned: true };
    }
    if (this.expected.length === 0 && this.insecure) {
      return { accepted: true, fingerprint, type, pinned: false };
    }
    const wanted = this.expected
      .map((e) => `${e.type ? `${e.type} ` : ''}${e.fingerprint} (${e.source})`)
      .join(', ');
    return {
      accepted: false,
      fingerprint,
      type,
      reason: `${where} offered a ${type} host key with fingerprint ${fingerprint}, but the expected keys are: ${wanted}`,
    };
  }
}
