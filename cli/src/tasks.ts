import { buildImage, runImage } from '../../shared/build/build-image.js';
import { deploy } from '../../shared/deploy/deploy.js';
import { manage } from '../../shared/manage/manage.js';
import { readPemInputs } from '../../shared/recipe/pem-inputs.js';
import { renderRecipe, type RecipeOptions } from '../../shared/recipe/render.js';
import { writeRecipe } from '../../shared/recipe/write-recipe.js';
import type { Reporter } from '../../shared/report/reporter.js';

type Task = (values: never, reporter: Reporter) => Promise<string | undefined>;

const json = (value: unknown): string => JSON.stringify(value, null, 2);

/** Each CLI task: the same core call as the action, with its result printed as JSON on stdout. */
export const TASKS: Readonly<Record<string, Task>> = {
  'build-image': async (values, reporter) => json(await buildImage(values, reporter)),
  'run-image': async (values, reporter) => {
    await runImage(values, reporter);
    return undefined;
  },
  'render-script': async (values: RecipeOptions & { outputDir: string }) => {
    const written = await writeRecipe(renderRecipe(readPemInputs(values)), values.outputDir);
    return written.join('\n');
  },
  'gen-user-data': async (values) => {
    renderRecipe(values);
    return undefined;
  },
  deploy: async (values, reporter) => json(await deploy(values, reporter)),
  manage: async (values, reporter) => json(await manage(values, reporter)),
};
