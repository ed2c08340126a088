import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderScriptCommand } from '../../../shared/options/commands.js';
import { resolveOptions } from '../../../shared/options/resolve.js';
import { renderRecipe, type RecipeOptions, type RenderedRecipe } from '../../../shared/recipe/render.js';

/** Options as the CLI resolves them from flags (kebab-case names, text values). */
export function optionsFrom(flags: Record<string, string> = {}): RecipeOptions {
  return resolveOptions(renderScriptCommand, { explicit: flags, explicitKind: 'flag', env: {} })
    .values as never;
}

export function render(flags: Record<string, string> = {}): RenderedRecipe {
  return renderRecipe(optionsFrom(flags));
}

export function fileAt(recipe: RenderedRecipe, path: string): string {
  const file = recipe.files.find((f) => f.path === path);
  if (!file) {
    throw new Error(`no file ${path} in ${recipe.files.map((f) => f.path).join(', ')}`);
  }
  return file.content;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `indicovm-${prefix}-`));
}

export function run(
  program: string,
  args: readonly string[],
  options: { input?: string; env?: NodeJS.ProcessEnv } = {},
): SpawnSyncReturns<string> {
  const result = spawnSync(program, args, {
    encoding: 'utf8',
    input: options.input,
    env: options.env ?? process.env,
    timeout: 60_000,
  });
  if (result.error) {
    throw result.error;
  }
  return result;
}

export function writeTemp(dir: string, name: string, content: string, mode = 0o644): string {
  const path = join(dir, name);
  writeFileSync(path, content, { mode });
  return path;
}

/** The first-boot script as the provisioning script embeds it. */
export function firstbootScriptOf(recipe: RenderedRecipe): string {
  return fileAt(recipe, '/usr/local/sbin/indicovm-firstboot');
}

export const TRICKY = `p&|\\'"$@:/ %41 é\`x\`$(id)\nsecond line`;
