import { workflow } from './workflow-commands.js';
import { randomBytes } from 'node:crypto';
import { markdownSection } from '../shared/report/markdown.js';
import type { Reporter, SummarySection } from '../shared/report/reporter.js';
import { onSecret, redact } from '../shared/secret.js';

/**
 * The Reporter on the runner: workflow commands for the log, the job summary file for summaries.
 * Every secret the process makes is handed to the runner's masker the moment it is made, and every
 * message is also redacted here, for the forms the runner cannot match (a secret split across lines).
 *
 * Relayed text (a guest's output) is printed inside a stop-commands block with a fresh random token,
 * so a guest cannot forge annotations, add masks or stop the runner reading ours. The block stays open
 * across consecutive relayed lines and closes before anything of our own is printed.
 */
export class ActionsReporter implements Reporter {
  #sections: string[] = [];
  readonly #masked = new Set<string>();
  readonly #given: string[] = [];
  #relayToken: string | undefined;

  constructor() {
    onSecret((forms) => forms.forEach((form) => this.mask(form)));
  }

  /** The message as it may be printed. */
  redact(message: string): string {
    return redact(message, this.#given);
  }

  debug(message: string): void {
    this.endRelay();
    workflow.debug(this.redact(message));
  }

  info(message: string): void {
    this.endRelay();
    workflow.info(this.redact(message));
  }

  warning(message: string): void {
    this.endRelay();
    workflow.warning(this.redact(message));
  }

  error(message: string): void {
    this.endRelay();
    workflow.error(this.redact(message));
  }

  /** The runner's log is not a terminal: progress comes as a line every few seconds. */
  readonly liveProgress = false;

  progress(line: string): void {
    this.info(line);
  }

  relay(text: string): void {
    if (this.#relayToken === undefined) {
      this.#relayToken = randomBytes(16).toString('hex');
      workflow.info(`::stop-commands::${this.#relayToken}`);
    }
    workflow.info(this.redact(text));
  }

  /** Lets the runner read commands again; a no-op when nothing is being relayed. */
  endRelay(): void {
    if (this.#relayToken !== undefined) {
      workflow.info(`::${this.#relayToken}::`);
      this.#relayToken = undefined;
    }
  }

  group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    this.endRelay();
    return workflow.group(this.redact(title), async () => {
      try {
        return await fn();
      } finally {
        this.endRelay();
      }
    });
  }

  mask(value: string): void {
    this.endRelay();
    this.#given.push(value);
    // The runner masks each line of a multi-line secret on its own.
    for (const line of value.split(/\r?\n/)) {
      if (line.trim().length >= 3 && !this.#masked.has(line)) {
        this.#masked.add(line);
        workflow.setSecret(line);
      }
    }
  }

  summary(section: SummarySection): void {
    this.#sections.push(this.redact(markdownSection(section)));
  }

  /** Writes the collected sections to the job summary, when the runner gives us one. */
  async flushSummary(): Promise<void> {
    this.endRelay();
    if (this.#sections.length === 0 || !process.env.GITHUB_STEP_SUMMARY) {
      return;
    }
    const markdown = this.#sections.join('\n');
    this.#sections = [];
    await workflow.appendSummary(markdown);
  }
}
