import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '../errors.js';

/** A leading `~/` as a shell would expand it: YAML inputs and indicovm.yml never pass through one. */
export function expandHome(path: string, home: string = homedir()): string {
  return path === '~' ? home : path.startsWith('~/') ? join(home, path.slice(2)) : path;
}

export interface TextKind {
  /** What the text is, for the error when the value is neither it nor a readable file. */
  readonly what: string;
  /** Whether a one-line value is the text itself rather than a path. */
  readonly isText: (line: string) => boolean;
}

/**
 * The text an input holds, or the contents of the file it names: a value of one line that `kind`
 * does not take as text is a path (a leading ~/ is the home folder).
 */
export function textOrFile(value: string, inputName: string, kind: TextKind): string {
  const trimmed = value.trim();
  if (trimmed === '' || trimmed.includes('\n') || kind.isText(trimmed)) {
    return value;
  }
  try {
    return readFileSync(expandHome(trimmed), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigurationError(`${inputName} is neither ${kind.what} nor a readable file (${code}).`);
  }
}
