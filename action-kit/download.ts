import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  CachingDownloader,
  keepIfExpected,
  withDownloadRetries,
  type Downloader,
  type DownloadRequest,
} from '../shared/image/download.js';
import { CommandError } from '../shared/errors.js';
import type { Reporter } from '../shared/report/reporter.js';

const TOOL = 'indicovm-base-image';
const FILE = 'base.img';

/**
 * Loaded when a download runs: tool-cache brings @actions/core, its HTTP client and undici, which a
 * build that has its base image elsewhere (a file, Glance) would otherwise parse at every start.
 */
const toolCache = () => import('@actions/tool-cache');

/**
 * tool-cache's download, which retries 5xx itself; its HTTP error becomes a CommandError carrying the
 * status, so withDownloadRetries does not ask again after a 404 (a wrong URL) either.
 */
async function downloadTool(url: string): Promise<string> {
  const tc = await toolCache();
  try {
    return await tc.downloadTool(url);
  } catch (error) {
    if (error instanceof tc.HTTPError && error.httpStatusCode !== undefined) {
      throw new CommandError(`GET ${url}`, error.httpStatusCode, '', `HTTP ${error.httpStatusCode}`);
    }
    throw error;
  }
}

/**
 * Base-image downloads through the runner's tool cache, so a self-hosted runner downloads each pinned
 * image once. Only a download pinned by base-image-sha256/-sha512 is cached, keyed by URL and digest:
 * it cannot go stale. An unpinned URL (`…/latest/…`) is downloaded afresh each time, since a tool-cache
 * entry has nothing to revalidate it with. Without a tool cache (outside a runner) it falls back to the
 * revalidating cache folder under RUNNER_TEMP.
 */
export class ToolCacheDownloader implements Downloader {
  async download(request: DownloadRequest, reporter: Reporter): Promise<string> {
    if (!process.env.RUNNER_TOOL_CACHE) {
      const dir = join(process.env.RUNNER_TEMP ?? process.env.TMPDIR ?? '/tmp', 'indicovm-downloads');
      return new CachingDownloader(dir).download(request, reporter);
    }
    const { expected } = request;
    if (!expected) {
      reporter.info(
        `No base-image-sha256 or base-image-sha512 pins ${request.url}, so it is downloaded afresh: the ` +
          'tool cache keeps only pinned images. Pin the digest for a cached, reproducible build.',
      );
      return withDownloadRetries(request.url, reporter, () => downloadTool(request.url));
    }
    const key = createHash('sha256')
      .update(`${request.url}\n${expected.algorithm}:${expected.hex.toLowerCase()}`)
      .digest('hex')
      .slice(0, 16);
    // tool-cache wants a semver; a prerelease tag carries the key.
    const version = `0.0.0-h${key}`;
    const tc = await toolCache();
    const cached = tc.find(TOOL, version);
    if (cached) {
      reporter.info(`Using the tool cache's copy of ${request.url}.`);
      return join(cached, FILE);
    }
    const downloaded = await withDownloadRetries(request.url, reporter, async () => {
      const path = await downloadTool(request.url);
      await keepIfExpected(path, request.url, expected);
      return path;
    });
    const dir = await tc.cacheFile(downloaded, FILE, TOOL, version);
    rmSync(downloaded, { force: true });
    return join(dir, FILE);
  }
}
