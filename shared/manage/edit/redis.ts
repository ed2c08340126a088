import { redisString } from '../../recipe/escape.js';

/**
 * The Redis drop-in (/etc/redis/indico.conf, included last from redis.conf): one directive per line.
 * redis has no config test that reads a file without starting a server, so what we write is checked
 * here instead: every directive we set must read back, by Redis's own splitting rules, as the value.
 */

/** Redis's sdssplitargs for one line: words, "double-quoted" with \\, \", \n, \r, \t, \a, \b, \xHH, and 'single-quoted'. */
export function splitRedisArgs(line: string): string[] | undefined {
  const args: string[] = [];
  const bytes = Buffer.from(line, 'utf8');
  let i = 0;
  const hex = (c: number): number => parseInt(String.fromCharCode(c), 16);
  while (i < bytes.length) {
    while (i < bytes.length && /\s/.test(String.fromCharCode(bytes[i]!))) i++;
    if (i >= bytes.length) break;
    const out: number[] = [];
    const q = bytes[i]!;
    if (q === 0x22 /* " */) {
      i++;
      for (;;) {
        if (i >= bytes.length) return undefined; // unterminated
        const c = bytes[i]!;
        if (
          c === 0x5c &&
          i + 3 < bytes.length &&
          bytes[i + 1] === 0x78 &&
          !isNaN(hex(bytes[i + 2]!)) &&
          !isNaN(hex(bytes[i + 3]!))
        ) {
          out.push(hex(bytes[i + 2]!) * 16 + hex(bytes[i + 3]!));
          i += 4;
        } else if (c === 0x5c && i + 1 < bytes.length) {
          const e = String.fromCharCode(bytes[i + 1]!);
          const map: Record<string, number> = { n: 10, r: 13, t: 9, b: 8, a: 7 };
          out.push(map[e] ?? bytes[i + 1]!);
          i += 2;
        } else if (c === 0x22) {
          i++;
          if (i < bytes.length && !/\s/.test(String.fromCharCode(bytes[i]!))) return undefined;
          break;
        } else {
          out.push(c);
          i++;
        }
      }
    } else if (q === 0x27 /* ' */) {
      i++;
      for (;;) {
        if (i >= bytes.length) return undefined;
        const c = bytes[i]!;
        if (c === 0x5c && bytes[i + 1] === 0x27) {
          out.push(0x27);
          i += 2;
        } else if (c === 0x27) {
          i++;
          if (i < bytes.length && !/\s/.test(String.fromCharCode(bytes[i]!))) return undefined;
          break;
        } else {
          out.push(c);
          i++;
        }
      }
    } else {
      while (i < bytes.length && !/\s/.test(String.fromCharCode(bytes[i]!))) out.push(bytes[i++]!);
    }
    args.push(Buffer.from(out).toString('utf8'));
  }
  return args;
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
