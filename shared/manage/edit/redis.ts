import { redisString } from '../../recipe/escape.js';

/**
 * The Redis drop-in (/etc/redis/indico.conf, included last from redis.conf): one directive per line.
 * redis has no config test that reads a file without starting a server, so what we write is checked
 * here instead: every directive we set must read back, by Redis's own splitting rules, as the value.
 */

const isSpace = (c: number | undefined): boolean => c !== undefined && /\s/.test(String.fromCharCode(c));
const hex = (c: number | undefined): number => (c === undefined ? NaN : parseInt(String.fromCharCode(c), 16));
const C_ESCAPES: Readonly<Record<string, number>> = { n: 10, r: 13, t: 9, b: 8, a: 7 };

/** What a backslash at bytes[i] stands for in a quoted word, and how many bytes it takes; none: a plain byte. */
type Escape = (bytes: Buffer, i: number) => readonly [byte: number, length: number] | undefined;

const doubleQuoteEscape: Escape = (bytes, i) => {
  if (bytes[i + 1] === 0x78 /* x */ && !isNaN(hex(bytes[i + 2])) && !isNaN(hex(bytes[i + 3])))
    return [hex(bytes[i + 2]) * 16 + hex(bytes[i + 3]), 4];
  const next = bytes[i + 1];
  return next === undefined ? undefined : [C_ESCAPES[String.fromCharCode(next)] ?? next, 2];
};
const singleQuoteEscape: Escape = (bytes, i) => (bytes[i + 1] === 0x27 ? [0x27, 2] : undefined);

/** The quoted word opening at bytes[start] and the index after it; none when it is unterminated or runs on. */
function quotedWord(
  bytes: Buffer,
  start: number,
  escape: Escape,
): { word: number[]; end: number } | undefined {
  const quote = bytes[start];
  const word: number[] = [];
  let i = start + 1;
  while (i < bytes.length) {
    const c = bytes[i]!;
    const escaped = c === 0x5c ? escape(bytes, i) : undefined;
    if (escaped) {
      word.push(escaped[0]);
      i += escaped[1];
    } else if (c === quote) {
      // Like Redis: a closing quote must end the word.
      return i + 1 < bytes.length && !isSpace(bytes[i + 1]) ? undefined : { word, end: i + 1 };
    } else {
      word.push(c);
      i++;
    }
  }
  return undefined;
}

/** Redis's sdssplitargs for one line: words, "double-quoted" with \\, \", \n, \r, \t, \a, \b, \xHH, and 'single-quoted'. */
export function splitRedisArgs(line: string): string[] | undefined {
  const args: string[] = [];
  const bytes = Buffer.from(line, 'utf8');
  let i = 0;
  for (;;) {
    while (isSpace(bytes[i])) i++;
    if (i >= bytes.length) return args;
    const q = bytes[i];
    const escape = q === 0x22 ? doubleQuoteEscape : q === 0x27 ? singleQuoteEscape : undefined;
    if (escape) {
      const quoted = quotedWord(bytes, i, escape);
      if (!quoted) return undefined;
      args.push(Buffer.from(quoted.word).toString('utf8'));
      i = quoted.end;
    } else {
      const from = i;
      while (i < bytes.length && !isSpace(bytes[i])) i++;
      args.push(bytes.subarray(from, i).toString('utf8'));
    }
  }
}

/** Sets `name value` (replacing every line of that directive, or appending one), value written as a Redis string. */
export function setRedisDirective(text: string, name: string, value: string): string {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) {
    throw new Error(`Not a Redis directive name: ${JSON.stringify(name)}`);
  }
  const line = `${name} ${/^[A-Za-z0-9._:/-]+$/.test(value) ? value : redisString(value)}`;
  const args = splitRedisArgs(line);
  if (args === undefined || args.length !== 2 || args[1] !== value) {
    throw new Error(`The Redis directive ${name} would not read back as the value given.`);
  }
  const pattern = new RegExp(`^\\s*${name}(\\s|$)`, 'i');
  const lines = text.split('\n');
  let found = false;
  const out: string[] = [];
  for (const current of lines) {
    if (pattern.test(current)) {
      if (!found) out.push(line);
      found = true;
    } else {
      out.push(current);
    }
  }
  if (found) return out.join('\n');
  const body = text === '' || text.endsWith('\n') ? text : `${text}\n`;
  return `${body}${line}\n`;
}
