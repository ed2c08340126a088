import { performance } from 'node:perf_hooks';
import { formatDuration, Masker, type Reporter, type SummarySection } from './reporter.js';

export interface TerminalReporterOptions {
  readonly verbose?: boolean;
  readonly write?: (line: string) => void;
}

/** The CLI's reporter: plain lines on stderr, so stdout stays free for a command's result. */
export class TerminalReporter implements Reporter {
  readonly #masker = new Masker();
  #verbose: boolean;
  readonly #write: (line: string) => void;
  #depth = 0;

  constructor(options: TerminalReporterOptions = {}) {
    this.#verbose = options.verbose ?? false;
    this.#write = options.write ?? ((line) => process.stderr.write(line + '\n'));
  }

  #emit(prefix: string, message: string): void {
    const indent = '  '.repeat(this.#depth);
    for (const line of this.#masker.apply(message).split('\n')) {
      this.#write(`${indent}${prefix}${line}`);
    }
  }

  /** Turns debug lines on once the command line has been read; the masks stay as they are. */
  set verbose(on: boolean) {
    this.#verbose = on;
  }

  debug(message: string): void {
    if (this.#verbose) {
      this.#emit('debug: ', message);
    }
  }

  info(message: string): void {
    this.#emit('', message);
  }

  warning(message: string): void {
    this.#emit('warning: ', message);
  }

  error(message: string): void {
    this.#emit('error: ', message);
  }

  relay(text: string): void {
    this.#emit('', withoutControlSequences(text));
  }

  async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    this.#emit('==> ', title);
    const started = performance.now();
    this.#depth += 1;
    try {
      return await fn();
    } finally {
      this.#depth -= 1;
      this.#emit('<== ', `${title} (${formatDuration(performance.now() - started)})`);
    }
  }

  mask(value: string): void {
    this.#masker.add(value);
  }

  summary(section: SummarySection): void {
    this.#emit('', `\n${section.heading}`);
    if (section.text) {
      this.#emit('', section.text);
    }
    for (const table of section.tables ?? []) {
      const rows = [table.header, ...table.rows];
      const widths = table.header.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
      for (const row of rows) {
        this.#emit('  ', row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  '));
      }
    }
  }
}

/**
 * Text from a guest without the escape sequences and control characters that would move the cursor,
 * retitle or reprogram the user's terminal; tabs and line breaks stay.
 */
export function withoutControlSequences(text: string): string {
  return (
    text
      .replace(/\r\n/g, '\n')
      // CSI and OSC sequences (colours, cursor moves, window titles), then any other escape.
      // eslint-disable-next-line no-control-regex -- control characters are what this removes
      .replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -/]*[0-~]?/g, '')
      // eslint-disable-next-line no-control-regex -- as above
      .replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, '')
  );
}
