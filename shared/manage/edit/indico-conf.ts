import { pythonString, urlUserInfo } from '../../recipe/escape.js';

/**
 * indico.conf is Python: each setting is a top-level assignment. Edits replace the whole assignment
 * (its first line and any indented continuation lines) or append one, so the rest of the file, the
 * user's own settings and comments included, stays byte for byte as it was.
 */

const KEY = /^[A-Z][A-Z0-9_]*$/;

/** Lines of a top-level assignment: the `KEY = …` line and the indented or closing lines that follow it. */
function assignmentEnd(lines: readonly string[], start: number): number {
  let end = start + 1;
  while (end < lines.length) {
    const line = lines[end]!;
    // A continuation is indented, or closes a bracket opened above; anything else starts a new statement.
    if (/^[ \t]/.test(line) || /^[)\]}]/.test(line)) {
      end++;
    } else {
      break;
    }
  }
  return end;
}

/**
 * Sets `key = literal` (literal is Python source, e.g. from pythonString). Every existing assignment of
 * the key is replaced (Python would take the last one, so a stale earlier one must not survive either).
 */
export function setPythonSetting(text: string, key: string, literal: string): string {
  if (!KEY.test(key)) {
    throw new Error(`Not an indico.conf setting name: ${JSON.stringify(key)}`);
  }
  if (/[\r\n]/.test(literal)) {
    throw new Error(`The value of ${key} must be one line of Python source.`);
  }
  const assignment = `${key} = ${literal}`;
  const lines = text.split('\n');
  const pattern = new RegExp(`^${key}\\s*=`);
  const out: string[] = [];
  let found = false;
  for (let i = 0; i < lines.length;) {
    if (pattern.test(lines[i]!)) {
      const end = assignmentEnd(lines, i);
      if (!found) out.push(assignment);
      found = true;
      i = end;
    } else {
      out.push(lines[i]!);
      i++;
    }
  }
  if (found) {
    return out.join('\n');
  }
  const body = text === '' || text.endsWith('\n') ? text : `${text}\n`;
  return `${body}${assignment}\n`;
}

export function setPythonSettings(text: string, settings: Readonly<Record<string, string>>): string {
  return Object.entries(settings).reduce(
    (current, [key, literal]) => setPythonSetting(current, key, literal),
    text,
  );
}

/** The value of a one-line string setting written as a plain '…' or "…" literal (no escapes), if there is one. */
export function readStringSetting(text: string, key: string): string | undefined {
  const match = new RegExp(`^${key}\\s*=\\s*(['"])([^'"\\\\\\n]*)\\1\\s*(?:#.*)?$`, 'm').exec(text);
  return match?.[2];
}

export interface RedisSettings {
  readonly host: string;
  readonly port: number;
  readonly password: string;
}

/** CELERY_BROKER (database 0) and REDIS_CACHE_URL (database 1), as the recipe writes them. */
export function redisSettings(redis: RedisSettings): Record<string, string> {
  const host = redis.host.includes(':') ? `[${redis.host.replace(/^\[|\]$/g, '')}]` : redis.host;
  const base = `redis://:${urlUserInfo(redis.password)}@${host}:${redis.port}`;
  return {
    CELERY_BROKER: pythonString(`${base}/0`),
    REDIS_CACHE_URL: pythonString(`${base}/1`),
  };
}

export interface SmtpSettings {
  readonly server: string;
  readonly port: number;
  readonly login: string;
  readonly password: string;
  readonly useTls: boolean;
}

export function smtpSettings(smtp: SmtpSettings): Record<string, string> {
  return {
    SMTP_SERVER: `(${pythonString(smtp.server)}, ${smtp.port})`,
    SMTP_USE_TLS: smtp.useTls ? 'True' : 'False',
    SMTP_LOGIN: pythonString(smtp.login),
    SMTP_PASSWORD: pythonString(smtp.password),
  };
}
