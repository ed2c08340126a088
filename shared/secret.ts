import { inspect } from 'node:util';
import { urlUserInfo } from './url-encoding.js';

const HIDDEN = '***';
/** Values this short would turn ordinary words into asterisks without protecting anything. */
const MIN_MASKED_LENGTH = 3;

type SecretListener = (forms: readonly string[]) => void;

/**
 * Every secret value this process has seen, wherever it came from (an input, an OS_* variable,
 * clouds.yaml, secure.yaml, indicovm.yml, a key file, a generated password, a Keystone token). A
 * secret is registered the moment it is made, so the reporters can hide it before anything prints it:
 * resolving options late (clouds.yaml is read long after the inputs) cannot open a gap.
 */
const registry = new Map<string, readonly string[]>();
const listeners = new Set<SecretListener>();
/** Every registered form, longest first; rebuilt when a secret is added. */
let registeredForms: readonly string[] | undefined;

function register(value: string): void {
  if (value.length < MIN_MASKED_LENGTH || registry.has(value)) {
    return;
  }
  const forms = encodingsOf(value);
  registry.set(value, forms);
  registeredForms = undefined;
  for (const listener of listeners) {
    listener(forms);
  }
}

function allForms(): readonly string[] {
  registeredForms ??= [...new Set([...registry.values()].flat())].sort((a, b) => b.length - a.length);
  return registeredForms;
}

/**
 * Calls the listener with the forms of every secret made so far and of each one made later. The
 * action's reporter hands them to the runner's masker; the returned function stops the calls.
 */
export function onSecret(listener: SecretListener): () => void {
  listeners.add(listener);
  for (const forms of registry.values()) {
    listener(forms);
  }
  return () => listeners.delete(listener);
}

/**
 * The forms a secret can take on its way to a log: plain, base64 (on its own and inside a longer
 * encoded text, at each byte alignment), URL-encoded in both styles, JSON-escaped (a service that
 * echoes a request body), and each line of a multi-line value on its own (the runner masks per line).
 */
export function encodingsOf(plain: string): string[] {
  const forms = [
    plain,
    ...base64Forms(plain),
    encodeURIComponent(plain),
    urlUserInfo(plain),
    JSON.stringify(plain).slice(1, -1),
  ];
  if (/[\r\n]/.test(plain)) {
    forms.push(...plain.split(/\r?\n/).map((line) => line.trim()));
  }
  return [...new Set(forms.filter((form) => form.length >= MIN_MASKED_LENGTH))];
}

function base64Forms(plain: string): string[] {
  const bytes = Buffer.from(plain);
  const forms = [bytes.toString('base64')];
  for (const shift of [1, 2]) {
    // Inside a longer blob the first characters mix in the preceding bytes and the last ones the
    // following bytes; what lies between is the same wherever the secret sits at this alignment.
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    const inner = encoded.slice(4, -4);
    if (inner.length >= 12) {
      forms.push(inner);
    }
  }
  return forms;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A form as a pattern that also matches it broken across lines (a wrapped body, a folded header). */
function acrossLines(form: string): RegExp {
  const characters = Array.from(form, escapeRegExp);
  return new RegExp(characters.join('(?:\\r?\\n[ \\t]*)?'), 'g');
}

/**
 * Replaces every known secret, in every form, with `***`, also where a line break splits it. Used on
 * every message before it is printed and on every error text a service sent; `extra` adds values
 * a reporter was given directly.
 */
export function redact(text: string, extra: Iterable<string> = []): string {
  const given = [...extra].filter((value) => value.length >= MIN_MASKED_LENGTH);
  // Longest first, so a secret that contains another is hidden whole.
  const forms =
    given.length === 0
      ? allForms()
      : [...new Set([...allForms(), ...given])].sort((a, b) => b.length - a.length);
  let out = text;
  for (const form of forms) {
    if (out.includes(form)) {
      out = out.split(form).join(HIDDEN);
    } else if (/[\r\n]/.test(out) && form.length >= 8) {
      out = out.replace(acrossLines(form), HIDDEN);
    }
  }
  return out;
}

/**
 * A value that must never reach a log, an output or a summary. Every way JavaScript turns a value into
 * text (template strings, JSON, util.inspect, console.log) prints `***`; only reveal() gives the value,
 * and it is called where the value is handed to the thing that needs it (a config file, an HTTP body).
 */
export class Secret {
  readonly #value: string;

  /**
   * `composite` marks a document that only carries other secrets (a whole user-data file): it is not
   * registered itself, as masking each of its lines would hide ordinary log lines such as `runcmd:`.
   */
  constructor(value: string, options: { composite?: boolean } = {}) {
    this.#value = value;
    if (!options.composite) {
      register(value);
    }
  }

  reveal(): string {
    return this.#value;
  }

  get length(): number {
    return this.#value.length;
  }

  /** The forms this secret can take on its way to a log. */
  encodings(): string[] {
    return encodingsOf(this.#value);
  }

  toString(): string {
    return HIDDEN;
  }

  toJSON(): string {
    return HIDDEN;
  }

  [Symbol.toPrimitive](): string {
    return HIDDEN;
  }

  [inspect.custom](): string {
    return `Secret(${HIDDEN})`;
  }
}

export function isSecret(value: unknown): value is Secret {
  return value instanceof Secret;
}
