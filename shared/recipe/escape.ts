/**
 * Escaping for each language a value lands in. Every value that reaches a config file or a command
 * either passed an option kind that limits its characters (host names, ports, paths) or goes through
 * one of these, so passwords with quotes, backslashes, `$`, `@`, `:`, `/` or newlines arrive intact.
 */

/** A Python 3 string literal (indico.conf is Python): single-quoted, control characters as escapes. */
export function pythonString(value: string): string {
  let out = "'";
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code === 0x2028 || code === 0x2029 || code === 0x85)
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + "'";
}

// Percent-encoding for URL userinfo, stricter than encodeURIComponent, so SQLAlchemy and redis-py (which
// both unquote) read it back exactly; the secret registry masks the same form.
export { urlUserInfo } from '../url-encoding.js';

/** A double-quoted redis.conf argument (sdssplitargs rules: \\, \", \n, \r, \t and \xHH). */
export function redisString(value: string): string {
  let out = '"';
  for (const byte of new TextEncoder().encode(value)) {
    const ch = String.fromCharCode(byte);
    if (ch === '\\' || ch === '"') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (byte < 0x20 || byte >= 0x7f) out += `\\x${byte.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + '"';
}

/** A SQL string literal under standard_conforming_strings (the default since PostgreSQL 9.1). */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A PostgreSQL identifier; the option kinds already limit these to [a-z0-9_]. */
export function sqlIdentifier(value: string): string {
  return `"${value.replaceAll('"', '""')}"`;
}

/** An extended regular expression that matches the literal text (SELinux file contexts). */
export function regexLiteral(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
