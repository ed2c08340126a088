import { formatDuration, type Reporter } from './reporter.js';

/**
 * A reporter for one of several hosts worked on at the same time: every line starts with `[name]`,
 * so interleaved lines still say whose they are. Groups become a start and an end line (a log's
 * groups cannot interleave), summaries are left to the caller (one table for all hosts), and progress
 * is never drawn in place (several hosts would fight over one line).
 */
export function prefixedReporter(reporter: Reporter, name: string): Reporter {
  const tag = (text: string) =>
    text
      .split('\n')
      .map((line) => `[${name}] ${line}`)
      .join('\n');
  return {
    debug: (message) => reporter.debug(tag(message)),
    info: (message) => reporter.info(tag(message)),
    warning: (message) => reporter.warning(tag(message)),
    error: (message) => reporter.error(tag(message)),
    relay: (text) => reporter.relay(tag(text)),
    async group(title, fn) {
      reporter.info(tag(`==> ${title}`));
      const started = Date.now();
      try {
        return await fn();
      } finally {
        reporter.info(tag(`<== ${title} (${formatDuration(Date.now() - started)})`));
      }
    },
    mask: (value) => reporter.mask(value),
    summary: () => undefined,
    liveProgress: false,
    progress: (line) => reporter.info(tag(line)),
  };
}
