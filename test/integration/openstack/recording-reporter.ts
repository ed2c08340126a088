// A Reporter that keeps what the client logs, so tests can assert on retries and re-logins.
import type { Reporter, SummarySection } from '../../../shared/report/reporter.js';

export class RecordingReporter implements Reporter {
  readonly lines: string[] = [];
  readonly masked: string[] = [];

  debug(message: string): void {
    this.lines.push(`debug: ${message}`);
  }
  info(message: string): void {
    this.lines.push(`info: ${message}`);
  }
  warning(message: string): void {
    this.lines.push(`warning: ${message}`);
  }
  error(message: string): void {
    this.lines.push(`error: ${message}`);
  }
  async group<T>(_title: string, fn: () => Promise<T>): Promise<T> {
    return fn();
  }
  mask(value: string): void {
    this.masked.push(value);
  }
  summary(_section: SummarySection): void {}
}
