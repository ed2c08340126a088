import * as core from '@actions/core';
import { markdownSection } from '../shared/report/markdown.js';
import type { Reporter, SummarySection } from '../shared/report/reporter.js';
import { onSecret, redact } from '../shared/secret.js';

/**
 * The core's Reporter on the runner: workflow commands for the log, the job summary file for summaries.
 * Every secret the process makes is handed to the runner's masker the moment it is made, and every
 * message is also redacted here, for the forms the runner cannot match (a secret split across lines).
 */
export class ActionsReporter implements Reporter {
  #sections: string[] = [];
  readonly #masked = new Set<string>();
  readonly #given: string[] = [];

  constructor() {
    onSecret((forms) => forms.forEach((form) => this.mask(form)));
  }

  /** The message as it may be printed. */
  redact(message: string): string {
    return redact(message, this.#given);
  }

  debug(message: string): void {
    core.debug(this.redact(message));
  }

  info(message: string): void {
    core.info(this.redact(message));
  }

  warning(message: string): void {
    core.warning(this.redact(message));
  }

  error(message: string): void {
    core.error(this.redact(message));
  }

  group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    return core.group(this.redact(title), fn);
  }

  mask(value: string): void {
    this.#given.push(value);
    // The runner masks each line of a multi-line secret on its own.
    for (const line of value.split(/\r?\n/)) {
      if (line.trim().length >= 3 && !this.#masked.has(line)) {
        this.#masked.add(line);
        core.setSecret(line);
      }
    }
  }

  summary(section: SummarySection): void {
    this.#sections.push(this.redact(markdownSection(section)));
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
