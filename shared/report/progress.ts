import { performance } from 'node:perf_hooks';
import { formatDuration, type Reporter } from './reporter.js';

/** A log gets a line every few seconds; a terminal redraws one line a few times a second. */
const LOG_INTERVAL_MS = 5000;
const LIVE_INTERVAL_MS = 250;
/** In a log, also a line at each tenth of a known total, but not more than one a second. */
const LOG_MIN_INTERVAL_MS = 1000;
const MIB = 1024 * 1024;

export type ProgressUnit = 'bytes' | 'percent' | 'time';

export interface ProgressSpec {
  /** What is being done, as the line starts: "Uploading indico.qcow2 to Glance". */
  readonly label: string;
  readonly unit: ProgressUnit;
  /** Bytes in all (unit bytes), when known. */
  readonly total?: number;
  /** Text added to each line, read when the line is made (the last serial-console line of a wait). */
  readonly detail?: () => string | undefined;
  /** For tests: the clock, in milliseconds. */
  readonly now?: () => number;
}

export function formatMiB(bytes: number): string {
  return `${(bytes / MIB).toFixed(1)} MiB`;
}

/**
 * Progress of one piece of long work: bytes moved (download, upload), a percentage (qemu-img convert)
 * or time waited (SSH, cloud-init). Updates may come as often as the work likes; lines go to
 * Reporter.progress only as often as the reporter's medium wants them, and the last one says how it
 * ended. A `time` progress ticks by itself once a second until it is finished.
 */
export class Progress {
  readonly #reporter: Reporter;
  readonly #spec: ProgressSpec;
  readonly #now: () => number;
  #started: number;
  #lastLine = -Infinity;
  #lastTenth = 0;
  #done = 0;
  #finished = false;
  readonly #ticker: ReturnType<typeof setInterval> | undefined;

  constructor(reporter: Reporter, spec: ProgressSpec) {
    this.#reporter = reporter;
    this.#spec = spec;
    this.#now = spec.now ?? (() => performance.now());
    this.#started = this.#now();
    this.#lastLine = this.#started;
    if (spec.unit === 'time' && spec.now === undefined) {
      this.#ticker = setInterval(() => this.update(), 1000);
      this.#ticker.unref();
    }
  }

  /** Work done so far: bytes (unit bytes), percent (unit percent); nothing for a wait. */
  update(done = this.#done): void {
    if (this.#finished) return;
    this.#done = done;
    const now = this.#now();
    const since = now - this.#lastLine;
    const live = this.#reporter.liveProgress;
    const fraction = this.#fraction();
    const tenth = fraction === undefined ? 0 : Math.floor(fraction * 10);
    const due = live
      ? since >= LIVE_INTERVAL_MS
      : since >= LOG_INTERVAL_MS || (tenth > this.#lastTenth && since >= LOG_MIN_INTERVAL_MS);
    if (!due) return;
    this.#lastLine = now;
    this.#lastTenth = tenth;
    this.#reporter.progress(this.#line(now), false);
  }

  /** Starts the count again (a retry sends the file again from its start). */
  restart(): void {
    this.#started = this.#now();
    this.#done = 0;
    this.#lastTenth = 0;
  }

  /** The closing line: how much in how long; `outcome` replaces "done" (e.g. "failed"). */
  finish(outcome = 'done'): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#ticker) clearInterval(this.#ticker);
    const elapsed = this.#now() - this.#started;
    const { unit, label } = this.#spec;
    const moved =
      unit === 'bytes' && this.#done > 0
        ? ` ${formatMiB(this.#done)} in ${formatDuration(elapsed)} (${rate(this.#done, elapsed)})`
        : ` after ${formatDuration(elapsed)}`;
    this.#reporter.progress(`${label}: ${outcome},${moved}`, true);
  }

  #fraction(): number | undefined {
    const { unit, total } = this.#spec;
    if (unit === 'percent') return Math.min(1, this.#done / 100);
    if (unit === 'bytes' && total) return Math.min(1, this.#done / total);
    return undefined;
  }

  #line(now: number): string {
    const elapsed = now - this.#started;
    const { unit, total, label } = this.#spec;
    const fraction = this.#fraction();
    const parts: string[] = [];
    if (unit === 'bytes') {
      parts.push(
        total
          ? `${(this.#done / MIB).toFixed(1)} of ${formatMiB(total)} (${Math.floor(fraction! * 100)}%)`
          : formatMiB(this.#done),
        rate(this.#done, elapsed),
      );
    } else if (unit === 'percent') {
      parts.push(`${Math.floor(this.#done)}%`);
    } else {
      parts.push(formatDuration(elapsed));
    }
    if (fraction !== undefined && fraction > 0 && fraction < 1) {
      parts.push(`ETA ${formatDuration((elapsed / fraction) * (1 - fraction))}`);
    }
    const detail = this.#spec.detail?.();
    if (detail) parts.push(detail);
    return `${label}: ${parts.join(', ')}`;
  }
}

function rate(bytes: number, ms: number): string {
  return ms > 0 ? `${(bytes / MIB / (ms / 1000)).toFixed(1)} MiB/s` : '-';
}

/** Runs work under a progress, closing it with "done" or, when the work throws, "failed". */
export async function withProgress<T>(
  reporter: Reporter,
  spec: ProgressSpec,
  work: (progress: Progress) => Promise<T>,
): Promise<T> {
  const progress = new Progress(reporter, spec);
  try {
    const result = await work(progress);
    progress.finish();
    return result;
  } catch (error) {
    progress.finish('failed');
    throw error;
  }
}
