import { inspect } from 'node:util';

const HIDDEN = '***';

/**
 * A value that must never reach a log, an output or a summary. Every way JavaScript turns a value into
 * text (template strings, JSON, util.inspect, console.log) prints `***`; only reveal() gives the value,
 * and it is called where the value is handed to the thing that needs it (a config file, an HTTP body).
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  get length(): number {
    return this.#value.length;
  }

  /** The forms a secret can take on its way to a log: plain, base64 and URL-encoded. */
  encodings(): string[] {
    const plain = this.#value;
    const forms = [plain, Buffer.from(plain).toString('base64'), encodeURIComponent(plain)];
    return [...new Set(forms.filter((form) => form.length > 0))];
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
