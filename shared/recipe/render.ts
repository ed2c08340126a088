import { NotBuiltYetError } from '../errors.js';
import type { Values } from '../options/kinds.js';
import type { recipeOptions } from '../options/catalog/recipe.js';

export type RecipeOptions = Values<typeof recipeOptions>;

/** One provisioning script plus the files it installs: what the build runs over SSH and cloud-init embeds. */
export interface RenderedRecipe {
  readonly script: string;
  readonly files: readonly { readonly path: string; readonly mode: number; readonly content: string }[];
}

export function renderRecipe(_options: RecipeOptions): RenderedRecipe {
  throw new NotBuiltYetError('The Indico 3.3 provisioning recipe (render-script)');
}
