import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { withoutControlSequences } from '../report/terminal.js';

/** The last lines of a serial console log, without carriage returns and terminal escapes. */
export function serialLogTail(path: string, lines = 40): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return '(no serial log)';
  }
  const clean = text
    // eslint-disable-next-line no-control-regex -- terminal escape sequences are what this removes
    .replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '')
    .replace(/\r/g, '');
  const all = clean.split('\n');
  while (all.length > 0 && all[all.length - 1]?.trim() === '') {
    all.pop();
  }
  return all.length === 0 ? '(the serial log is empty)' : all.slice(-lines).join('\n');
}

const LAST_LINE_BYTES = 4096;
const LAST_LINE_CHARS = 100;

/**
 * The last non-empty line of a serial console log, for a progress line: read from the file's end
 * only, cleaned as serialLogTail cleans, with every control character gone (the guest writes it) and
 * cut short. Undefined while there is none.
 */
export function lastSerialLine(path: string): string | undefined {
  let text: string;
  try {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      const buffer = Buffer.alloc(Math.min(size, LAST_LINE_BYTES));
      readSync(fd, buffer, 0, buffer.length, size - buffer.length);
      text = buffer.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  const line = withoutControlSequences(text)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .at(-1);
  if (line === undefined) return undefined;
  return line.length > LAST_LINE_CHARS ? `${line.slice(0, LAST_LINE_CHARS - 1)}…` : line;
}

/** A wait's progress detail: "console: <last serial line>". */
export function consoleDetail(path: string): string | undefined {
  const line = lastSerialLine(path);
  return line === undefined ? undefined : `console: ${line}`;
}
