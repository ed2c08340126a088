/**
 * Scans what an action run leaves behind (its logs, the runner's command files and every file in the
 * workspace) for secret values in each form a log or a file may carry them: plain, base64 at each of
 * the three byte alignments, and URL-encoded.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ActionRun } from '../support/run-action.js';

/** A secret no real log line holds by chance, with the characters that quoting and encoding get wrong. */
export function distinctiveSecret(label: string): string {
  return `S3cr3t-${label}-${randomBytes(6).toString('hex')}-&|$'"@:/`;
}

/** The secrets to look for in a PEM key: the whole text and each base64 body line. */
export function pemSecrets(pem: string): string[] {
  return [pem, ...pem.split('\n').filter((line) => line.length >= 32 && !line.startsWith('-----'))];
}

/** The forms of a secret to look for; base64 is taken at each alignment, so it is found inside a longer encoded blob. */
export function leakForms(secret: string): { form: string; text: string }[] {
  const forms = [
    { form: 'plain', text: secret },
    { form: 'url-encoded', text: encodeURIComponent(secret) },
    // A service that echoes a request body in its error text carries the secret JSON-escaped.
    { form: 'json-escaped', text: JSON.stringify(secret).slice(1, -1) },
  ];
  const bytes = Buffer.from(secret);
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    // Drop the characters that mix the padding bytes in, and the tail that depends on what follows.
    const inner = encoded.slice(shift === 0 ? 0 : 4, -4);
    if (inner.length >= 12) {
      forms.push({ form: `base64/${shift}`, text: inner });
    }
  }
  // A secret with nothing to escape has forms equal to the plain one: each is reported once.
  return forms.filter((entry, index) => forms.findIndex((other) => other.text === entry.text) === index);
}

/** How @actions/core escapes a command's value: a multi-line secret is masked as one line. */
export function commandEscape(value: string): string {
  return value.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

export interface Leak {
  readonly secret: string;
  readonly form: string;
  readonly where: string;
}

function filesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      found.push(...filesUnder(path));
    } else if (entry.isFile()) {
      found.push(path);
    }
  }
  return found;
}

/**
 * Every place a secret could surface after a run. The `::add-mask::` lines of stdout are left out:
 * they are how the secret reaches the runner's masker, which never prints them.
 */
export function scanRun(
  run: ActionRun,
  secrets: readonly string[],
  options: { skipFiles?: readonly string[] } = {},
): { leaks: Leak[]; places: number } {
  const places: { where: string; text: string }[] = [
    {
      where: 'stdout',
      text: run.stdout
        .split('\n')
        .filter((line) => !line.startsWith('::add-mask::'))
        .join('\n'),
    },
    { where: 'stderr', text: run.stderr },
  ];
  for (const file of filesUnder(run.workspace)) {
    if (options.skipFiles?.includes(file) || statSync(file).size > 64 * 1024 * 1024) {
      continue;
    }
    places.push({ where: relative(run.workspace, file), text: readFileSync(file).toString('latin1') });
  }
  const leaks: Leak[] = [];
  for (const secret of secrets) {
    for (const { form, text } of leakForms(secret)) {
      // Files are read as latin1 so that any byte sequence compares; the needle is turned the same way.
      const needle = Buffer.from(text).toString('latin1');
      for (const place of places) {
        if (place.text.includes(needle) || place.text.includes(text)) {
          leaks.push({ secret: secret.slice(0, 12) + '…', form, where: place.where });
        }
      }
    }
  }
  return { leaks, places: places.length };
}
