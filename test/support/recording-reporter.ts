import type { Reporter, SummarySection } from '../../shared/report/reporter.js';

/** `relay` is text a guest produced, which the reporter passes on without reading it as commands. */
type Level = 'debug' | 'info' | 'warning' | 'error' | 'relay' | 'progress';

/** A Reporter that keeps every message and masked value, so tests can assert on what was (never) logged. */
export class RecordingReporter implements Reporter {
  readonly messages: { level: Level; text: string }[] = [];
  readonly masked: string[] = [];

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
  relay(text: string): void {
    this.messages.push({ level: 'relay', text });
  }
  async group<T>(_title: string, fn: () => Promise<T>): Promise<T> {
    return fn();
  }
  mask(value: string): void {
    this.masked.push(value);
  }
  readonly summaries: SummarySection[] = [];
  summary(section: SummarySection): void {
    this.summaries.push(section);
  }
  readonly liveProgress: boolean = false;
  progress(text: string): void {
    this.messages.push({ level: 'progress', text });
  }

  /** Every message as `level: text`. */
  get lines(): string[] {
    return this.messages.map((m) => `${m.level}: ${m.text}`);
  }
  warnings(): string[] {
    return this.messages.filter((m) => m.level === 'warning').map((m) => m.text);
  }
  all(): string {
    return this.messages.map((m) => m.text).join('\n');
  }
}

/** A Reporter that drops everything, for tests that assert on results only. */
export const silentReporter: Reporter = {
  debug() {},
  info() {},
  warning() {},
  error() {},
  relay() {},
  group: (_title, fn) => fn(),
  mask() {},
  summary() {},
  liveProgress: false,
  progress() {},
};
