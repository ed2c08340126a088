import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { RenderedRecipe } from './render.js';

/**
 * Writes a rendered recipe for reading: `provision.sh` (0755) and `files/` mirroring the paths on
 * the VM, with the modes the script gives them. Returns the written paths.
 */
export async function writeRecipe(recipe: RenderedRecipe, outputDir: string): Promise<string[]> {
  const root = resolve(outputDir);
  await mkdir(root, { recursive: true });
  const written: string[] = [];
  const scriptPath = join(root, 'provision.sh');
  await writeFile(scriptPath, recipe.script, { mode: 0o755 });
  await chmod(scriptPath, 0o755);
  written.push(scriptPath);
  for (const file of recipe.files) {
    const target = join(root, 'files', file.path);
    if (!target.startsWith(join(root, 'files') + '/')) {
      throw new Error(`Refusing to write ${file.path} outside ${root}/files.`);
    }
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, file.content, { mode: file.mode });
    await chmod(target, file.mode);
    written.push(target);
  }
  return written;
}
