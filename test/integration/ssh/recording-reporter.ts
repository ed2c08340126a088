import type { Reporter, SummarySection } from '../../../shared/report/reporter.js';

/** A Reporter that keeps every message, so tests can assert on warnings and on what never got logged. */
export class RecordingReporter implements Reporter {
  readonly messages: { level: 'debug' | 'info' | 'warning' | 'error'; text: string }[] = [];

  debug(text: string): void {
    this.messages.push({ level: 'debug', text });
  }
  info(text: string): void {
    this.messages.push({ level: 'info', text });
  }
  warning(text: string): void {
    this.messages.push({ level: 'warning', text });
  }
  error(text: string): void {
    this.messages.push({ level: 'error', text });
  }
  async group<T>(_title: string, fn: () => Promise<T>): Promise<T> {
    return fn();
  }
  mask(_value: string): void {}
  summary(_section: SummarySection): void {}

  warnings(): string[] {
    return this.messages.filter((m) => m.level === 'warning').map((m) => m.text);
  }
  all(): string {
    return this.messages.map((m) => m.text).join('\n');
  }
}
