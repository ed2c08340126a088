/**
 * File transfer over SFTP. Uploads are atomic: the content goes to a temporary file in the target's
 * directory and is renamed over the target, so a reader never sees half a file.
 */
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { SFTPWrapper } from 'ssh2';

/** SFTP status code for a path that does not exist. */
const NO_SUCH_FILE = 2;

export function isMissingFileError(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === NO_SUCH_FILE;
}

/** A name next to `path` that no other writer uses. */
export function temporarySibling(path: string): string {
  return posix.join(
    posix.dirname(path),
    `.${posix.basename(path)}.indicovm-${randomBytes(6).toString('hex')}`,
  );
}

function call<T>(start: (done: (error: Error | null | undefined, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) =>
    start((error, value) => (error ? reject(error) : resolve(value as T))),
  );
}

/** Writes a new file (failing if the path exists, so a planted symlink is never followed). */
export async function writeNewFile(
  sftp: SFTPWrapper,
  path: string,
  content: Buffer,
  mode: number,
): Promise<void> {
  const handle = await call<Buffer>((done) => sftp.open(path, 'wx', { mode }, done));
  try {
    let offset = 0;
    while (offset < content.length) {
      // Chunked writes: one SFTP packet carries at most about 32 KiB.
      const length = Math.min(32 * 1024, content.length - offset);
      await call<void>((done) => sftp.write(handle, content, offset, length, offset, done));
      offset += length;
    }
    // The server's umask applies at open; the asked-for mode is set explicitly.
    await call<void>((done) => sftp.fchmod(handle, mode, done));
  } finally {
    await call<void>((done) => sftp.close(handle, done));
  }
}

export async function removeQuietly(sftp: SFTPWrapper, path: string): Promise<void> {
  await call<void>((done) => sftp.unlink(path, done)).catch(() => undefined);
}

/** Renames over an existing target (POSIX rename), which plain SFTP v3 rename refuses to do. */
async function replace(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
  try {
    await call<void>((done) => sftp.ext_openssh_rename(from, to, done));
  } catch (error) {
    if (!/not supported/i.test((error as Error).message)) {
      throw error;
    }
    await removeQuietly(sftp, to);
    await call<void>((done) => sftp.rename(from, to, done));
  }
}

export async function uploadAtomic(
  sftp: SFTPWrapper,
  content: Buffer,
  path: string,
  mode: number,
): Promise<void> {
  const staged = temporarySibling(path);
  try {
    await writeNewFile(sftp, staged, content, mode);
    await replace(sftp, staged, path);
  } catch (error) {
    await removeQuietly(sftp, staged);
    throw error;
  }
}

export function readRemoteFile(sftp: SFTPWrapper, path: string): Promise<Buffer> {
  return call<Buffer>((done) => sftp.readFile(path, done));
}
