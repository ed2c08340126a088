/**
 * How the core talks to whoever runs it. The actions back it with the runner's log commands and job
 * summary, the CLI with the terminal, the tests with a recorder. The core never imports @actions/core.
 */
export interface Reporter {
  debug(message: string): void;
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
  /** Runs fn inside a collapsible, timed group; the group ends even when fn throws. */
  group<T>(title: string, fn: () => Promise<T>): Promise<T>;
  /** Registers a value that must be hidden wherever this reporter writes. */
  mask(value: string): void;
  /** Adds a section to the run's summary (the job summary in an action). */
  summary(section: SummarySection): void;
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

/** Masks every registered value in a message; the reporters share it so their rules cannot drift. */
export class Masker {
  readonly #values = new Set<string>();

  add(value: string): void {
    // Very short values would turn ordinary words into asterisks without protecting anything.
    if (value.length >= 3) {
      this.#values.add(value);
    }
  }

  apply(message: string): string {
    let out = message;
    for (const value of [...this.#values].sort((a, b) => b.length - a.length)) {
      out = out.split(value).join('***');
    }
    return out;
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
