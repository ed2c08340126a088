import * as core from '@actions/core';
import { markdownSection } from '../shared/report/markdown.js';
import type { Reporter, SummarySection } from '../shared/report/reporter.js';

/** The core's Reporter on the runner: workflow commands for the log, the job summary file for summaries. */
export class ActionsReporter implements Reporter {
  #sections: string[] = [];
  readonly #masked = new Set<string>();

  debug(message: string): void {
    core.debug(message);
  }

  info(message: string): void {
    core.info(message);
  }

  warning(message: string): void {
    core.warning(message);
  }

  error(message: string): void {
    core.error(message);
  }

  group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    return core.group(title, fn);
  }

  mask(value: string): void {
    // The runner masks each line of a multi-line secret on its own.
    for (const line of value.split(/\r?\n/)) {
      if (line.trim().length >= 3 && !this.#masked.has(line)) {
        this.#masked.add(line);
        core.setSecret(line);
      }
    }
  }

  summary(section: SummarySection): void {
    this.#sections.push(markdownSection(section));
  }

  /** Writes the collected sections to the job summary, when the runner gives us one. */
  async flushSummary(): Promise<void> {
    if (this.#sections.length === 0 || !process.env.GITHUB_STEP_SUMMARY) {
      return;
    }
    core.summary.addRaw(this.#sections.join('\n'), true);
    this.#sections = [];
    await core.summary.write();
  }
}
