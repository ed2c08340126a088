import { CommandError } from '../../errors.js';
import type { SshSession } from '../../ssh/index.js';

/**
 * Changing files on the VM as one step: each new content goes to a staging file beside its target
 * (over SFTP, so secrets never appear in a command line), is checked where the file has a checker of
 * its own, then every target is kept once as `<file>.indicovm.bak` and replaced by rename. A config
 * test that needs the files in place (nginx -t, apachectl configtest) runs after the swap and before
 * any reload; when it fails, every file is put back from its backup, so the running service never
 * sees the rejected content.
 */

export const BACKUP_SUFFIX = '.indicovm.bak';
export const STAGING_SUFFIX = '.indicovm-new';

export interface FileChange {
  readonly path: string;
  /** The new content from the current one (undefined when the file does not exist yet). */
  readonly edit: (current: string | undefined) => string;
  /** Mode when the file is new, or always when `forceMode` is set. */
  readonly mode?: number;
  readonly forceMode?: boolean;
  /** Owner and group when the file is new. */
  readonly owner?: string;
  readonly group?: string;
  /** A check of the staged copy (its path) before anything is replaced; throws to refuse. */
  readonly check?: (stagedPath: string) => Promise<void>;
  /** A file that is optional: skipped when missing instead of created. */
  readonly onlyIfExists?: boolean;
}

export interface FileSetOptions {
  /**
   * Runs with the new files in place (given the paths that changed); a failure restores the previous
   * files. Not called when nothing changed.
   */
  readonly testInPlace?: (changed: readonly string[]) => Promise<void>;
}

interface Staged {
  readonly change: FileChange;
  readonly existed: boolean;
}

interface RemoteFile {
  readonly mode: number;
  readonly owner: string;
  readonly group: string;
  readonly content: string;
}

/**
 * Mode, owner, group and content of each path in one command (one round trip, however many files).
 * A staging file (and its upload's temporary sibling) that a run cut short by a lost connection left
 * beside a target is removed on the way. The content may be a key: on failure the output is not
 * quoted in the error.
 */
async function readAll(session: SshSession, paths: readonly string[]): Promise<(RemoteFile | undefined)[]> {
  const script = [
    'for f in "$@"; do',
    `  rm -f -- "$f${STAGING_SUFFIX}" "\${f%/*}/.\${f##*/}${STAGING_SUFFIX}.indicovm-"*`,
    '  if [ -f "$f" ]; then printf "%s " "$(stat -c "%a %U %G" -- "$f")"; base64 -w0 -- "$f"; echo; else echo missing; fi',
    'done',
  ].join('\n');
  const result = await session.exec(['sh', '-c', script, 'sh', ...paths], { sudo: true, allowFailure: true });
  const lines = result.stdout.split('\n');
  if (result.code !== 0 || lines.length < paths.length) {
    throw new CommandError(`read ${paths.join(', ')}`, result.code, '', 'could not read the files to change');
  }
  return paths.map((_, i) => {
    const line = lines[i]!;
    if (line === 'missing') return undefined;
    const [mode, owner, group, data = ''] = line.split(' ');
    return {
      mode: parseInt(mode!, 8),
      owner: owner!,
      group: group!,
      content: Buffer.from(data, 'base64').toString('utf8'),
    };
  });
}

/** Applies the changes; returns the paths whose content changed (empty when everything was already so). */
export async function changeFiles(
  session: SshSession,
  changes: readonly FileChange[],
  options: FileSetOptions = {},
): Promise<string[]> {
  if (changes.length === 0) return [];
  const files = await readAll(
    session,
    changes.map((c) => c.path),
  );
  const staged: Staged[] = [];
  const contents = new Map<string, string>();
  for (const [i, change] of changes.entries()) {
    const file = files[i];
    if (file === undefined && change.onlyIfExists) continue;
    const next = change.edit(file?.content);
    const mode = change.forceMode || file === undefined ? (change.mode ?? 0o644) : file.mode;
    if (file !== undefined && next === file.content && file.mode === mode) continue;
    contents.set(change.path, next);
    staged.push({
      change: {
        ...change,
        mode,
        owner: file?.owner ?? change.owner ?? 'root',
        group: file?.group ?? change.group ?? 'root',
      },
      existed: file !== undefined,
    });
  }
  if (staged.length === 0) return [];

  const stagingOf = (path: string): string => `${path}${STAGING_SUFFIX}`;
  const removeStaged = (): Promise<unknown> =>
    session.exec(['rm', '-f', '--', ...staged.map((s) => stagingOf(s.change.path))], {
      sudo: true,
      allowFailure: true,
    });
  try {
    for (const { change } of staged) {
      await session.upload(contents.get(change.path)!, stagingOf(change.path), {
        sudo: true,
        mode: change.mode!,
        owner: change.owner!,
        group: change.group!,
      });
      await change.check?.(stagingOf(change.path));
    }
  } catch (error) {
    await removeStaged();
    throw error;
  }

  // $1 = number of files; then per file: target, existed (1/0). Backups keep mode and owner (cp -p).
  const swap = [
    'set -e',
    'while [ $# -gt 0 ]; do',
    '  if [ "$2" = 1 ]; then cp -p -- "$1" "$1' + BACKUP_SUFFIX + '"; fi',
    '  mv -f -- "$1' + STAGING_SUFFIX + '" "$1"',
    '  shift 2',
    'done',
  ].join('\n');
  const pairs = staged.flatMap((s) => [s.change.path, s.existed ? '1' : '0']);
  await session.exec(['sh', '-c', swap, 'sh', ...pairs], { sudo: true });

  if (options.testInPlace) {
    try {
      await options.testInPlace(staged.map((s) => s.change.path));
    } catch (error) {
      const restore = [
        'while [ $# -gt 0 ]; do',
        '  if [ "$2" = 1 ]; then cp -p -- "$1' + BACKUP_SUFFIX + '" "$1"; else rm -f -- "$1"; fi',
        '  shift 2',
        'done',
      ].join('\n');
      await session.exec(['sh', '-c', restore, 'sh', ...pairs], { sudo: true, allowFailure: true });
      if (error instanceof CommandError) {
        throw new CommandError(
          error.command,
          error.exitCode,
          error.outputTail,
          'the previous files were put back',
        );
      }
      throw error;
    }
  }
  return staged.map((s) => s.change.path);
}

/** Compiles a staged indico.conf with the VM's python3; reports only the line and the kind of error (the line may hold a secret). */
export async function checkPythonSyntax(session: SshSession, path: string): Promise<void> {
  const program = [
    'import sys',
    'try:',
    '    compile(open(sys.argv[1], encoding="utf-8").read(), sys.argv[1], "exec")',
    'except SyntaxError as e:',
    '    print("indico.conf: %s at line %s" % (e.msg, e.lineno), file=sys.stderr)',
    '    sys.exit(1)',
  ].join('\n');
  await session.exec(['python3', '-c', program, path], { sudo: true });
}
