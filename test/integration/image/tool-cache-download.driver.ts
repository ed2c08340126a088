/**
 * One ToolCacheDownloader call in a process of its own, for download.test.ts: node reads
 * NODE_EXTRA_CA_CERTS (the test server's self-signed certificate) only when it starts.
 * Usage: tool-cache-download.driver.ts <url> [sha256]; prints `RESULT <json>` as its last line.
 */
import { ToolCacheDownloader } from '../../../action-kit/download.js';
import { errorMessage } from '../../../shared/errors.js';
import type { Reporter } from '../../../shared/report/reporter.js';

// tool-cache waits 10-20 s between its own attempts; its test hook shortens the wait, not the logic.
Object.assign(globalThis, {
  TEST_DOWNLOAD_TOOL_RETRY_MIN_SECONDS: 0,
  TEST_DOWNLOAD_TOOL_RETRY_MAX_SECONDS: 1,
});

const log = (level: string) => (message: string) => process.stderr.write(`${level}: ${message}\n`);
const reporter: Reporter = {
  debug: () => undefined,
  info: log('info'),
  warning: log('warning'),
  error: log('error'),
  relay: log('relay'),
  group: (_title, fn) => fn(),
  mask: () => undefined,
  summary: () => undefined,
  liveProgress: false,
  progress: log('progress'),
};

const [url, sha256] = process.argv.slice(2);
try {
  const path = await new ToolCacheDownloader().download(
    { url: url!, ...(sha256 ? { expected: { algorithm: 'sha256' as const, hex: sha256 } } : {}) },
    reporter,
  );
  process.stdout.write(`\nRESULT ${JSON.stringify({ path })}\n`);
} catch (error) {
  process.stdout.write(
    `\nRESULT ${JSON.stringify({ error: (error as Error).name, message: errorMessage(error) })}\n`,
  );
  process.exitCode = 1;
}
