import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { renderUserData } from '../cloudinit/mime.js';
import { readPemInputs } from '../recipe/pem-inputs.js';
import { renderRecipe, type RecipeOptions } from '../recipe/render.js';

export interface WrittenUserData {
  readonly path: string;
  readonly bytes: Buffer;
  readonly gzipped: boolean;
}

/**
 * The stock-image path's user-data: the same provisioning script the image build runs over SSH, as a
 * MIME multipart document (gzipped when large). renderUserData refuses what Nova would refuse. The
 * file may hold given secrets (ssl-key, passwords), so only its owner may read it.
 */
export async function writeUserData(options: RecipeOptions, path: string): Promise<WrittenUserData> {
  const { script } = renderRecipe(readPemInputs(options));
  const { bytes, gzipped } = renderUserData({ script });
  const absolute = resolve(path);
  await mkdir(dirname(absolute), { recursive: true });
  await writeFile(absolute, bytes, { mode: 0o600 });
  // mode applies to a new file only; an older one may have been readable by others.
  await chmod(absolute, 0o600);
  return { path: absolute, bytes, gzipped };
}
