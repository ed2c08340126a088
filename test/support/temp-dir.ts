import { afterAll, beforeAll } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A folder of the system's temp dir for one describe block or test file: made before its tests and
 * removed with its contents after them. Returns the path's getter: the folder exists only once the
 * tests run, not while the file is being read.
 */
export function useTempDir(prefix: string): () => string {
  let dir: string | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    if (!dir) throw new Error(`useTempDir('${prefix}'): the folder exists only while the tests run`);
    return dir;
  };
}
