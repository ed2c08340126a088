/** The bundled actions and CLI (paths below REPO) that suites run as the runner and a user do. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './run-action.js';

export const DEPLOY = 'action-deploy/dist/index.js';
export const DEPLOY_POST = 'action-deploy/dist/post/index.js';
export const MANAGE = 'action-manage/dist/index.js';
export const BUILD = 'action-build-image/dist/index.js';
export const BUILD_POST = 'action-build-image/dist/post/index.js';
export const CLI = 'cli/dist/index.js';

/** Fails at once, saying what to do, when a bundle is missing: a run against it would fail obscurely. */
export function requireBundled(...entries: readonly string[]): void {
  for (const entry of entries) {
    if (!existsSync(join(REPO, entry))) {
      throw new Error(`${entry} is missing: run \`npm run bundle\` first`);
    }
  }
}
