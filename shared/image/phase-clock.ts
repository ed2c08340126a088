import type { Reporter } from '../report/reporter.js';

/** Runs each phase of the build in a log group and adds up its time (a phase may run more than once). */
export class PhaseClock {
  readonly timings: Record<string, number> = {};
  constructor(private readonly reporter: Reporter) {}

  async run<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const started = Date.now();
    try {
      return await this.reporter.group(name, fn);
    } finally {
      this.timings[name] = (this.timings[name] ?? 0) + (Date.now() - started);
    }
  }
}
