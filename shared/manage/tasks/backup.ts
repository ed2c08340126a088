import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { CommandError, ConfigurationError } from '../../errors.js';
import type { TaskContext, TaskOutcome } from '../task.js';

export const REMOTE_BACKUP_DIR = '/var/backups/indicovm';

/** UTC time as it goes into a file name: 20260125T101500Z. */
export function stamp(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/**
 * On the VM: pg_dump (custom format) of the database and the archive directory (uploaded files) into
 * one tarball. $1 database, $2 install dir, $3 tarball. Prints the tarball's size.
 */
const BACKUP_SCRIPT = `set -eu
umask 077
db=$1 install=$2 out=$3
mkdir -p "$(dirname "$out")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chown postgres "$work"
runuser -u postgres -- pg_dump -Fc -f "$work/$db.dump" "$db"
set -- -C "$work" "$db.dump"
if [ -d "$install/archive" ]; then set -- "$@" -C "$install" archive; fi
tar -czf "$out.part" "$@"
mv -f "$out.part" "$out"
stat -c %s "$out"
`;

export async function backup(ctx: TaskContext): Promise<TaskOutcome> {
  const o = ctx.options;
  const name = `indicovm-backup-${stamp(ctx.now)}.tar.gz`;
  const remote = `${REMOTE_BACKUP_DIR}/${name}`;
  const { stdout } = await ctx.session.exec(
    ['sh', '-c', BACKUP_SCRIPT, 'sh', o.dbName, o.installDir.replace(/\/+$/, ''), remote],
    { sudo: true },
  );
  const size = Number(stdout.trim().split('\n').at(-1));
  const content = await ctx.session.download(remote, { sudo: true });
  if (content.length !== size) {
    throw new CommandError(`download ${remote}`, null, '', `got ${content.length} of ${size} bytes`);
  }
  const dir = resolve(o.backupDir);
  mkdirSync(dir, { recursive: true });
  const local = join(dir, name);
  writeFileSync(local, content, { mode: 0o600 });
  const artifactId = o.uploadBackup ? await uploadBackupArtifact(ctx, local) : undefined;
  return {
    changed: [remote],
    note:
      `${name} (${content.length} bytes; also kept on the VM in ${REMOTE_BACKUP_DIR})` +
      (artifactId !== undefined ? `; artifact ${o.backupArtifactName} (id ${artifactId})` : ''),
    backupPath: local,
    ...(artifactId !== undefined ? { backupArtifactId: artifactId } : {}),
  };
}

/** The local tarball as the workflow artifact backup-artifact-name; its id, when the runner took it. */
export async function uploadBackupArtifact(
  ctx: Pick<TaskContext, 'options' | 'reporter' | 'uploadArtifact'>,
  local: string,
): Promise<number | undefined> {
  if (!ctx.uploadArtifact) {
    // checkManageOptions refuses upload-backup without an uploader before connecting.
    throw new ConfigurationError('upload-backup works in action-manage only.');
  }
  const name = ctx.options.backupArtifactName;
  const days = ctx.options.retentionDays;
  ctx.reporter.warning(
    `Artifact ${name} holds the Indico database (users, e-mail addresses, password hashes) and the ` +
      "uploaded files: anyone with read access to this repository's Actions can download it for " +
      (days !== undefined ? `${days} days` : "the repository's artifact retention period") +
      '. Keep retention-days short, and leave upload-backup off on public repositories.',
  );
  const id = await ctx.uploadArtifact(name, [local], dirname(local));
  if (id !== undefined) ctx.reporter.info(`Uploaded ${basename(local)} as artifact ${name} (id ${id}).`);
  return id;
}
