import { randomBytes } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { ConfigurationError } from './errors.js';

/**
 * The absolute path a file option names, refused when it lies outside every root (the workspace,
 * RUNNER_TEMP): a file with secrets elsewhere could be left behind or published. Symbolic links in
 * the folders on the way are followed, so a link cannot lead out.
 */
export function confinedPath(
  option: string,
  path: string,
  roots: readonly string[],
  escape: { readonly option: string },
): string {
  const absolute = resolve(path);
  const real = realPathOfNearest(absolute);
  const inside = roots.some((root) => {
    const within = relative(realPathOfNearest(resolve(root)), real);
    return within === '' || (!within.startsWith('..') && !within.startsWith(sep));
  });
  if (!inside) {
    throw new ConfigurationError(
      `Option '${option}': ${path} is outside the workspace and RUNNER_TEMP (${roots.join(', ')}); ` +
        `give a path inside them, or set ${escape.option}: true.`,
    );
  }
  return absolute;
}

/** The real path of the deepest folder that exists, with the rest appended. */
function realPathOfNearest(path: string): string {
  let existing = dirname(path);
  while (!existsSync(existing) && dirname(existing) !== existing) {
    existing = dirname(existing);
  }
  return join(realpathSync(existing), relative(existing, path));
}

/**
 * Writes a file only its owner may read, through a new temporary file renamed into place: a
 * symbolic link at the path is replaced, never followed, and no reader sees half a file.
 */
export async function writePrivateFile(path: string, bytes: Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, bytes, { mode: 0o600, flag: 'wx' });
    await chmod(temporary, 0o600);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
