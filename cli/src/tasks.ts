import { homedir } from 'node:os';
import { buildImage, runImage } from '../../shared/image/build-image.js';
import { CachingDownloader, defaultDownloadCacheDir } from '../../shared/image/download.js';
import { deploy } from '../../shared/deploy/deploy.js';
import { writeUserData } from '../../shared/deploy/user-data.js';
import { runManage } from '../../shared/manage/fleet.js';
import type { ManageOptions } from '../../shared/manage/options.js';
import { readPemInputs } from '../../shared/recipe/pem-inputs.js';
import { renderRecipe, type RecipeOptions } from '../../shared/recipe/render.js';
import { writeRecipe } from '../../shared/recipe/write-recipe.js';
import type { SourceKind } from '../../shared/options/resolve.js';
import type { Reporter } from '../../shared/report/reporter.js';
import { openSshFallbacks } from '../../shared/ssh/openssh-defaults.js';
import { withInterruptCleanup } from './interrupt.js';

/** Where each option's value came from: a default must not override a clouds.yaml entry. */
type Sources = Readonly<Partial<Record<string, SourceKind>>>;

type Task = (values: never, reporter: Reporter, sources: Sources) => Promise<string | undefined>;

const json = (value: unknown): string => JSON.stringify(value, null, 2);

/** Each CLI task: the same core call as the action, with its result printed as JSON on stdout. */
export const TASKS: Readonly<Record<string, Task>> = {
  'build-image': async (values, reporter, sources) =>
    json(
      await withInterruptCleanup(reporter, () =>
        buildImage(values, reporter, {
          downloader: new CachingDownloader(defaultDownloadCacheDir()),
          sources,
        }),
      ),
    ),
  'run-image': async (values, reporter) => {
    await runImage(values, reporter);
    return undefined;
  },
  'render-script': async (values: RecipeOptions & { outputDir: string }) => {
    const written = await writeRecipe(renderRecipe(readPemInputs(values)), values.outputDir);
    return written.join('\n');
  },
  'gen-user-data': async (values: RecipeOptions & { userDataPath: string }, reporter) => {
    const written = await writeUserData(values, values.userDataPath);
    reporter.info(`${written.bytes.length} bytes${written.gzipped ? ', gzipped' : ''}`);
    return written.path;
  },
  // image-artifact needs a workflow run: without a downloader, deploy says so.
  deploy: async (values, reporter, sources) =>
    json(await withInterruptCleanup(reporter, () => deploy(values, reporter, { sources }))),
  // As ssh does, the CLI falls back to the user's ~/.ssh identities and known_hosts.
  manage: async (values: ManageOptions, reporter) =>
    json(
      await runManage(values, reporter, {
        // Per host: known_hosts entries are looked up for each host of a fleet.
        forHost: (options, hostReporter) => {
          const fallbacks = openSshFallbacks(options, homedir());
          fallbacks.notes.forEach((note) => hostReporter.info(note));
          return { ...options, ...fallbacks.values };
        },
      }),
    ),
};
