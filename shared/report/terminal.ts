import { performance } from 'node:perf_hooks';
import { formatDuration, Masker, type Reporter, type SummarySection } from './reporter.js';

export interface TerminalReporterOptions {
  readonly verbose?: boolean;
  readonly write?: (line: string) => void;
  /**
   * Redraw progress on one line (a terminal). Default: when writing to stderr and it is a TTY (and
   * TERM is not dumb); elsewhere progress lines are plain lines every few seconds.
   */
  readonly live?: boolean;
  /** Where a live line is drawn: text without a line break. Default: stderr. */
  readonly draw?: (text: string) => void;
  /** Width to cut a live line to, so that it never wraps (which \r cannot redraw). */
  readonly columns?: () => number;
}

const CLEAR_LINE = '\r\x1b[K';

/** The CLI's reporter: plain lines on stderr, so stdout stays free for a command's result. */
export class TerminalReporter implements Reporter {
  readonly #masker = new Masker();
  #verbose: boolean;
  readonly #write: (line: string) => void;
  readonly #draw: (text: string) => void;
  readonly #columns: () => number;
  readonly liveProgress: boolean;
  /** The live line on screen, redrawn below anything printed while it is shown. */
  #shown: string | undefined;
  #depth = 0;

  constructor(options: TerminalReporterOptions = {}) {
    this.#verbose = options.verbose ?? false;
    this.#write = options.write ?? ((line) => process.stderr.write(line + '\n'));
    this.#draw = options.draw ?? ((text) => process.stderr.write(text));
    this.#columns = options.columns ?? (() => process.stderr.columns || 80);
    this.liveProgress =
      options.live ??
      (options.write === undefined && process.stderr.isTTY === true && process.env.TERM !== 'dumb');
  }

  #emit(prefix: string, message: string): void {
    const indent = '  '.repeat(this.#depth);
    if (this.#shown !== undefined) this.#draw(CLEAR_LINE);
    for (const line of this.#masker.apply(message).split('\n')) {
      this.#write(`${indent}${prefix}${line}`);
    }
    if (this.#shown !== undefined) this.#draw(this.#shown);
  }

  progress(line: string, last: boolean): void {
    if (!this.liveProgress) {
      this.#emit('', line);
      return;
    }
    const text = `${'  '.repeat(this.#depth)}${this.#masker.apply(line)}`;
    const width = Math.max(20, this.#columns() - 1);
    const cut = text.length > width ? `${text.slice(0, width - 1)}…` : text;
    this.#shown = undefined;
    if (last) {
      this.#draw(CLEAR_LINE);
      this.#write(text);
    } else {
      this.#draw(`${CLEAR_LINE}${cut}`);
      this.#shown = cut;
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
