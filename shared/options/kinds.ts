/*
 * Over 300 lines: one small function per option kind (string, secret, port, list, url, path, size…),
 * each with its own error text; they share the OptionSpec shape above and are read as a catalog.
 */
import { z } from 'zod';
import { Secret } from '../secret.js';
import { DNS_NAME, isHostname } from '../host-name.js';

/**
 * Option kinds: each turns a raw value (a string from an action input, a CLI flag or the environment,
 * or a typed value from indicovm.yml) into a checked, typed value, or throws an InvalidValue that says
 * what is allowed. The resolver adds which option and which source it came from.
 */
export class InvalidValue extends Error {}

export interface OptionSpec<T> {
  /** What kind of value, for help texts and generated docs ("port", "list of qcow2|raw"). */
  readonly type: string;
  readonly description: string;
  readonly default: T | undefined;
  /** How a default is shown when it is not a literal ("generated per instance"). */
  readonly defaultText?: string;
  readonly secret: boolean;
  /** Environment variables consulted when no input or flag is given (as the openstack CLI does). */
  readonly env: readonly string[];
  /** The option of the original fabfile.conf this one carries on, for the migration table. */
  readonly origin?: string;
  readonly choices?: readonly string[];
  /** Only an action offers it (artifact uploads): the CLI neither lists nor accepts it. */
  readonly actionOnly?: boolean;
  /** Earlier public names (kebab-case) still accepted, so that existing workflows keep working. */
  readonly aliases?: readonly string[];
  parse(raw: unknown): T;
}

interface Common<T, D extends T | undefined = T | undefined> {
  description: string;
  default?: D;
  defaultText?: string;
  env?: readonly string[];
  origin?: string;
  actionOnly?: boolean;
  aliases?: readonly string[];
}

function spec<T, D extends T | undefined>(
  type: string,
  common: Common<T, D>,
  parse: (raw: unknown) => T,
  extra: Pick<Partial<OptionSpec<T>>, 'secret' | 'choices'> = {},
): OptionSpec<T> & { readonly default: D } {
  return {
    type,
    description: common.description,
    default: common.default as D,
    defaultText: common.defaultText,
    secret: extra.secret ?? false,
    choices: extra.choices,
    env: common.env ?? [],
    origin: common.origin,
    ...(common.actionOnly ? { actionOnly: true } : {}),
    ...(common.aliases ? { aliases: common.aliases } : {}),
    parse,
  };
}

function check<T>(schema: z.ZodType<T>, raw: unknown): T {
  const result = schema.safeParse(raw);
  if (!result.success) {
    throw new InvalidValue(result.error.issues[0]?.message ?? 'is not valid');
  }
  return result.data;
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/;

function text(raw: unknown): string {
  if (typeof raw === 'number' || typeof raw === 'boolean') {
    return String(raw);
  }
  if (typeof raw !== 'string') {
    throw new InvalidValue('must be a text value');
  }
  return raw;
}

/** A kind whose parsed value must also pass `refine`, which throws an InvalidValue saying why not. */
export function refined<S extends OptionSpec<unknown>>(
  base: S,
  refine: (value: ReturnType<S['parse']>) => void,
): S {
  return {
    ...base,
    parse: (raw: unknown) => {
      const value = base.parse(raw) as ReturnType<S['parse']>;
      refine(value);
      return value;
    },
  };
}

export function string<D extends string | undefined = undefined>(
  common: Common<string, D> & { pattern?: RegExp; patternText?: string; maxLength?: number },
) {
  const max = common.maxLength ?? 4096;
  return spec('string', common, (raw) => {
    const value = text(raw);
    if (value.includes('\0')) {
      throw new InvalidValue('must not contain a NUL byte');
    }
    if (value.length > max) {
      throw new InvalidValue(`must be at most ${max} characters long`);
    }
    if (common.pattern && !common.pattern.test(value)) {
      throw new InvalidValue(`must be ${common.patternText ?? `of the form ${common.pattern.source}`}`);
    }
    return value;
  });
}

/** A multi-line text (a script, a PEM document); only NUL is refused. */
export function textBlock<D extends string | undefined = undefined>(common: Common<string, D>) {
  return spec('text', common, (raw) => {
    const value = text(raw);
    if (value.includes('\0')) {
      throw new InvalidValue('must not contain a NUL byte');
    }
    return value;
  });
}

export function secret(common: Omit<Common<Secret, undefined>, 'default'>) {
  return spec<Secret, undefined>(
    'secret',
    common,
    (raw) => {
      if (raw instanceof Secret) {
        return raw;
      }
      const value = text(raw);
      if (value.includes('\0')) {
        throw new InvalidValue('must not contain a NUL byte');
      }
      return new Secret(value);
    },
    { secret: true },
  );
}

function integerFrom(raw: unknown): number {
  const value = typeof raw === 'number' ? raw : /^\s*-?\d+\s*$/.test(text(raw)) ? Number(text(raw)) : NaN;
  if (!Number.isSafeInteger(value)) {
    throw new InvalidValue('must be a whole number');
  }
  return value;
}

export function integer<D extends number | undefined = undefined>(
  common: Common<number, D> & { min: number; max: number; unit?: string },
) {
  const schema = z
    .number()
    .min(common.min, { error: `must be from ${common.min} to ${common.max}` })
    .max(common.max, { error: `must be from ${common.min} to ${common.max}` });
  return spec(common.unit ? `integer (${common.unit})` : 'integer', common, (raw) =>
    check(schema, integerFrom(raw)),
  );
}

export function port<D extends number | undefined = undefined>(common: Common<number, D>) {
  const schema = z.number().min(1).max(65535, { error: 'must be a port number from 1 to 65535' });
  return spec('port', common, (raw) => {
    const value = integerFrom(raw);
    if (value < 1) {
      throw new InvalidValue('must be a port number from 1 to 65535');
    }
    return check(schema, value);
  });
}

const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);

export function boolean<D extends boolean | undefined = undefined>(common: Common<boolean, D>) {
  return spec('boolean', common, (raw) => {
    if (typeof raw === 'boolean') {
      return raw;
    }
    const value = text(raw).trim().toLowerCase();
    if (TRUE.has(value)) {
      return true;
    }
    if (FALSE.has(value)) {
      return false;
    }
    throw new InvalidValue('must be true or false');
  });
}

export function choice<
  const C extends readonly [string, ...string[]],
  D extends C[number] | undefined = undefined,
>(choices: C, common: Common<C[number], D>) {
  return spec<C[number], D>(
    choices.join('|'),
    common,
    (raw) => {
      const value = text(raw).trim();
      if (!(choices as readonly string[]).includes(value)) {
        throw new InvalidValue(`must be one of: ${choices.join(', ')}`);
      }
      return value as C[number];
    },
    { choices },
  );
}

/** Splits "a,b" or one item per line; a YAML list is taken as it is. */
export function splitList(raw: unknown): string[] {
  const items = Array.isArray(raw) ? raw.map(text) : text(raw).split(/[\n,]/);
  return items.map((item) => item.trim()).filter((item) => item.length > 0);
}

export function list<T, D extends T[] | undefined = undefined>(
  item: OptionSpec<T>,
  common: Common<T[], D> & { perLine?: boolean },
) {
  return spec<T[], D>(`list of ${item.type}`, common, (raw) => {
    // Items that may contain commas (paths, "local:remote" pairs) are one per line only.
    const items =
      common.perLine && !Array.isArray(raw)
        ? text(raw)
            .split('\n')
            .map((s) => s.trim())
            .filter(Boolean)
        : splitList(raw);
    return items.map((entry, index) => {
      try {
        return item.parse(entry);
      } catch (error) {
        throw new InvalidValue(`item ${index + 1} (${JSON.stringify(entry)}) ${(error as Error).message}`);
      }
    });
  });
}

/** `k=v` per line or comma-separated, or a YAML mapping. */
export function keyValues<D extends Record<string, string> | undefined = undefined>(
  common: Common<Record<string, string>, D> & { keyPattern?: RegExp },
) {
  const keyPattern = common.keyPattern ?? /^[A-Za-z0-9_.:-]{1,255}$/;
  return spec<Record<string, string>, D>('key=value list', common, (raw) => {
    const entries: [string, string][] =
      raw !== null && typeof raw === 'object' && !Array.isArray(raw)
        ? Object.entries(raw as Record<string, unknown>).map(([k, v]) => [k, text(v)])
        : splitList(raw).map((item) => {
            const at = item.indexOf('=');
            if (at <= 0) {
              throw new InvalidValue(`item ${JSON.stringify(item)} must be of the form key=value`);
            }
            return [item.slice(0, at).trim(), item.slice(at + 1).trim()];
          });
    for (const [key, value] of entries) {
      if (!keyPattern.test(key)) {
        throw new InvalidValue(`key ${JSON.stringify(key)} must match ${keyPattern.source}`);
      }
      if (CONTROL.test(value) || value.includes('\0')) {
        throw new InvalidValue(`value of ${JSON.stringify(key)} must not contain control characters`);
      }
    }
    return Object.fromEntries(entries);
  });
}

/** A DNS name or an IP address (IPv6 without brackets): the only characters that can reach a config file are [A-Za-z0-9.:-]. */
export function hostname<D extends string | undefined = undefined>(common: Common<string, D>) {
  return spec('hostname', common, (raw) => {
    const value = text(raw).trim();
    if (!isHostname(value)) {
      throw new InvalidValue(
        'must be a DNS name (letters, digits, hyphens and dots), an IPv4 address or an IPv6 address ' +
          'without brackets, port or zone (indico.example.org, 192.0.2.10, 2001:db8::10)',
      );
    }
    return value;
  });
}

export function email<D extends string | undefined = undefined>(common: Common<string, D>) {
  return spec('email', common, (raw) => {
    const value = text(raw).trim();
    const at = value.lastIndexOf('@');
    if (
      at < 1 ||
      !/^[A-Za-z0-9.!#$%&*+/=?^_{}~-]+$/.test(value.slice(0, at)) ||
      !DNS_NAME.test(value.slice(at + 1))
    ) {
      throw new InvalidValue('must be an e-mail address like indico@example.org');
    }
    return value;
  });
}

export function url<D extends string | undefined = undefined>(
  common: Common<string, D> & { protocols?: readonly string[] },
) {
  const protocols = common.protocols ?? ['http:', 'https:'];
  return spec('url', common, (raw) => {
    const value = text(raw).trim();
    // The URL parser silently drops tabs and line breaks, so check the text itself: a header injected
    // through a mirror URL must not pass as a valid URL.
    if (CONTROL.test(value) || /[\s]/.test(value)) {
      throw new InvalidValue('must be a URL without spaces or control characters');
    }
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      throw new InvalidValue(`must be a URL (${protocols.map((p) => p.replace(':', '')).join(' or ')})`);
    }
    if (!protocols.includes(parsed.protocol)) {
      throw new InvalidValue(`must use ${protocols.map((p) => p.replace(':', '')).join(' or ')}`);
    }
    return value;
  });
}

/** A file-system path; `..` segments are refused where the path names a place on a remote machine. */
export function path<D extends string | undefined = undefined>(
  common: Common<string, D> & { absolute?: boolean; noParent?: boolean },
) {
  return spec(common.absolute ? 'absolute path' : 'path', common, (raw) => {
    const value = text(raw).trim();
    if (value.length === 0 || value.includes('\0') || CONTROL.test(value) || value.includes('\n')) {
      throw new InvalidValue('must be a path without control characters');
    }
    if (common.absolute && !value.startsWith('/')) {
      throw new InvalidValue('must be an absolute path (starting with /)');
    }
    if (common.noParent && value.split('/').includes('..')) {
      throw new InvalidValue('must not contain ".." segments');
    }
    if (value.startsWith('-')) {
      throw new InvalidValue('must not start with "-"');
    }
    return value;
  });
}

const DURATION = /^(\d+)(s|m|h)?$/;

/** Seconds, written "300", "90s", "10m" or "1h" (Packer's style). */
export function duration<D extends number | undefined = undefined>(
  common: Common<number, D> & { max?: number },
) {
  const max = common.max ?? 24 * 3600;
  return spec('duration', common, (raw) => {
    const match = DURATION.exec(text(raw).trim());
    if (!match) {
      throw new InvalidValue('must be a duration like 300, 90s, 10m or 1h');
    }
    const seconds = Number(match[1]) * ({ s: 1, m: 60, h: 3600 }[match[2] ?? 's'] ?? 1);
    if (seconds < 1 || seconds > max) {
      throw new InvalidValue(`must be from 1 s to ${max} s`);
    }
    return seconds;
  });
}

const SIZE = /^(\d+)\s*([MGT])?i?B?$/i;

/** A size in MiB, written "2048", "2048M", "2G" or "1T" (qemu's units are binary). */
export function size<D extends number | undefined = undefined>(
  common: Common<number, D> & { min: number; max: number },
) {
  return spec('size (MiB, or with M/G/T)', common, (raw) => {
    const match = SIZE.exec(text(raw).trim());
    if (!match) {
      throw new InvalidValue('must be a size like 2048, 2048M, 2G or 1T');
    }
    const mib = Number(match[1]) * ({ M: 1, G: 1024, T: 1024 * 1024 }[(match[2] ?? 'M').toUpperCase()] ?? 1);
    if (mib < common.min || mib > common.max) {
      throw new InvalidValue(`must be from ${common.min} MiB to ${common.max} MiB`);
    }
    return mib;
  });
}

export type AnyOption = OptionSpec<unknown>;
export type OptionGroup = Record<string, AnyOption>;
export type ValueOf<O> = O extends OptionSpec<infer T> ? T : never;
/** The resolved values of a group: options with a default are always set. */
export type Values<G extends OptionGroup> = {
  [K in keyof G]: undefined extends G[K]['default'] ? ValueOf<G[K]> | undefined : ValueOf<G[K]>;
};
