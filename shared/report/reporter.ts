import { redact } from '../secret.js';

/**
 * How the core talks to whoever runs it. The actions back it with the runner's log commands and job
 * summary, the CLI with the terminal, the tests with a recorder. The core never imports @actions/core.
 */
export interface Reporter {
  debug(message: string): void;
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
  /**
   * Prints text that a machine we do not control produced (a guest's output, its serial console, a
   * package's install log): shown as it is, but never read as a command by whoever runs us.
   */
  relay(text: string): void;
  /** Runs fn inside a collapsible, timed group; the group ends even when fn throws. */
  group<T>(title: string, fn: () => Promise<T>): Promise<T>;
  /** Registers a value that must be hidden wherever this reporter writes. */
  mask(value: string): void;
  /** Adds a section to the run's summary (the job summary in an action). */
  summary(section: SummarySection): void;
  /**
   * True where progress redraws one line in place (a terminal): shared/report/progress.ts then sends
   * lines a few times a second instead of every few seconds.
   */
  readonly liveProgress: boolean;
  /** A progress line of long work (see Progress); `last` is the line that says how it ended. */
  progress(line: string, last: boolean): void;
}

export interface SummaryTable {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

export interface SummarySection {
  readonly heading: string;
  readonly text?: string;
  readonly tables?: readonly SummaryTable[];
}

/**
 * Masks the values a reporter was given and every secret the process knows (shared/secret.ts), in
 * every form; the reporters share it so their rules cannot drift.
 */
export class Masker {
  readonly #values = new Set<string>();

  add(value: string): void {
    // As the runner does: a multi-line value is also masked line by line.
    for (const form of [value, ...value.split(/\r?\n/).map((line) => line.trim())]) {
      this.#values.add(form);
    }
  }

  apply(message: string): string {
    return redact(message, this.#values);
  }
}

export function formatDuration(ms: number): string {
  if (ms < 1000) {
    return `${Math.round(ms)} ms`;
  }
  const seconds = ms / 1000;
  if (seconds < 60) {
    return `${seconds.toFixed(1)} s`;
  }
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}
