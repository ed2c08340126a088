/**
 * What OpenSSH uses when it is told nothing: the identities in ~/.ssh (ssh_config(5) IdentityFile)
 * and ~/.ssh/known_hosts. Only the CLI falls back to them; an action on a runner has no such files
 * of its user's, and guessing there would hide a missing input.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError } from '../errors.js';
import { Secret } from '../secret.js';
import type { SshOptionValues } from './from-options.js';
import { hostPatternsMatch, knownHostsName, parseKnownHosts } from './host-key.js';
import { loadPrivateKey } from './private-key.js';

/** OpenSSH's default identities in its order, less the kinds ssh2 cannot use (security keys, DSA). */
const IDENTITY_FILES = ['id_rsa', 'id_ecdsa', 'id_ed25519'];

export interface OpenSshFallbacks {
  readonly values: Partial<Pick<SshOptionValues, 'sshKey' | 'knownHosts'>>;
  /** One line per fallback taken or identity skipped, for the log. */
  readonly notes: readonly string[];
}

export function openSshFallbacks(values: SshOptionValues, home: string): OpenSshFallbacks {
  const notes: string[] = [];
  const fallback: { sshKey?: Secret; knownHosts?: string } = {};
  if (!values.sshKey && !values.sshPassword) {
    for (const name of IDENTITY_FILES) {
      const path = join(home, '.ssh', name);
      if (!existsSync(path)) {
        continue;
      }
      try {
        loadPrivateKey(path, values.sshKeyPassphrase);
      } catch (error) {
        if (error instanceof ConfigurationError) {
          const why = error.message.replace(/^ssh-key (could not be read: )?/, '').replace(/\.$/, '');
          notes.push(`Skipped ~/.ssh/${name}: ${why} (or give ssh-key, or add it to ssh-agent).`);
          continue;
        }
        throw error;
      }
      fallback.sshKey = new Secret(readFileSync(path, 'utf8'));
      notes.push(`No ssh-key given: using ~/.ssh/${name}.`);
      break;
    }
  }
  const pinned = values.hostKeys || values.fingerprint.length > 0 || values.knownHosts;
  const knownHostsFile = join(home, '.ssh', 'known_hosts');
  if (!pinned && !values.insecureAcceptHostKey && values.host && existsSync(knownHostsFile)) {
    const where = knownHostsName(values.host, values.port);
    const lines = linesFor(readFileSync(knownHostsFile, 'utf8'), values.host, values.port);
    if (lines.some((line) => line !== '')) {
      fallback.knownHosts = lines.join('\n');
      notes.push(`No host key pinned: checking ${where} against ~/.ssh/known_hosts.`);
    } else {
      notes.push(`~/.ssh/known_hosts has no entry for ${where}.`);
    }
  }
  return { values: fallback, notes };
}

/**
 * The lines of a known_hosts file that speak of this host, the others blanked so that line numbers in
 * errors stay those of the file. As OpenSSH does, a line it cannot read (a key type it does not know,
 * a typo) is passed over rather than failing the run.
 */
function linesFor(text: string, host: string, port: number): string[] {
  return text.split(/\r?\n/).map((line) => {
    try {
      return parseKnownHosts(line).some((entry) => hostPatternsMatch(entry.patterns, host, port)) ? line : '';
    } catch {
      return '';
    }
  });
}
