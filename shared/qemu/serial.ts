import { readFileSync } from 'node:fs';

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
