import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { uploadRunArtifact } from '../../../action-kit/artifact.js';
import { ConfigurationError } from '../../../shared/errors.js';
import { checkManageOptions, type ManageOptions } from '../../../shared/manage/manage.js';
import { uploadBackupArtifact } from '../../../shared/manage/tasks/backup.js';
import type { ArtifactUploader } from '../../../shared/manage/task.js';
import { manageCommand } from '../../../shared/options/commands.js';
import { resolveOptions } from '../../../shared/options/resolve.js';
import { captureStdout } from '../../support/captured-stdout.js';
import { RecordingReporter } from '../../support/recording-reporter.js';
import { tempDir } from '../recipe/helpers.js';

function options(extra: Record<string, string>): ManageOptions {
  return resolveOptions(manageCommand, {
    explicit: { host: '192.0.2.1', 'ssh-key': 'k', 'host-keys': 'ssh-ed25519 AAAA', ...extra },
    explicitKind: 'input',
    env: {},
  }).values;
}

function problems(values: ManageOptions, uploader?: ArtifactUploader): string {
  try {
    checkManageOptions(values, uploader ? { uploadArtifact: uploader } : {});
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  return '';
}

const neverCalled: ArtifactUploader = () => Promise.reject(new Error('not expected'));

describe('upload-backup options', () => {
  test('off by default, artifact named indico-backup', () => {
    const values = options({ tasks: 'backup' });
    expect(values.uploadBackup).toBe(false);
    expect(values.backupArtifactName).toBe('indico-backup');
  });

  test('without the backup task, or outside the action, it is an input error', () => {
    expect(problems(options({ tasks: 'status', 'upload-backup': 'true' }), neverCalled)).toContain(
      "upload-backup uploads the tarball of the backup task: add 'backup' to tasks.",
    );
    expect(problems(options({ tasks: 'backup', 'upload-backup': 'true' }))).toMatch(
      /upload-backup uploads a workflow artifact, so it works in action-manage only/,
    );
    expect(problems(options({ tasks: 'backup', 'upload-backup': 'true' }), neverCalled)).toBe('');
    expect(problems(options({ tasks: 'backup' }))).toBe('');
  });

  test('a bad artifact name is refused with the input named', () => {
    expect(() => options({ tasks: 'backup', 'backup-artifact-name': 'a/b' })).toThrow(/backup-artifact-name/);
  });
});

describe('the backup tarball as an artifact', () => {
  test('the tarball is handed to the uploader under its name, from its own folder', async () => {
    const dir = tempDir('manage-backup-artifact');
    const local = join(dir, 'indicovm-backup-20260101T000000Z.tar.gz');
    writeFileSync(local, 'tarball');
    const calls: unknown[][] = [];
    const reporter = new RecordingReporter();
    const id = await uploadBackupArtifact(
      {
        options: options({ tasks: 'backup', 'upload-backup': 'true', 'backup-artifact-name': 'nightly-db' }),
        reporter,
        uploadArtifact: (...args) => {
          calls.push(args);
          return Promise.resolve(4242);
        },
      },
      local,
    );
    expect(id).toBe(4242);
    expect(calls).toEqual([['nightly-db', [local], dir]]);
    expect(reporter.all()).toContain(
      'Uploaded indicovm-backup-20260101T000000Z.tar.gz as artifact nightly-db (id 4242).',
    );
    expect(reporter.all()).toContain(
      "Artifact nightly-db holds the Indico database (users, e-mail addresses, password hashes) and the uploaded files: anyone with read access to this repository's Actions can download it for the repository's artifact retention period.",
    );
  });

  test('the warning names retention-days when it is set; values outside 1 to 400 are refused by name', async () => {
    const dir = tempDir('manage-backup-retention');
    const local = join(dir, 'b.tar.gz');
    writeFileSync(local, 'tarball');
    const reporter = new RecordingReporter();
    await uploadBackupArtifact(
      {
        options: options({ tasks: 'backup', 'upload-backup': 'true', 'retention-days': '3' }),
        reporter,
        uploadArtifact: () => Promise.resolve(1),
      },
      local,
    );
    expect(reporter.all()).toContain('can download it for 3 days.');
    for (const bad of ['0', '401', 'week']) {
      expect(() => options({ tasks: 'backup', 'retention-days': bad })).toThrow(/retention-days/);
    }
  });

  describe('on a runner without ACTIONS_RUNTIME_TOKEN', () => {
    const stdout = captureStdout();
    let saved: string | undefined;
    beforeEach(() => {
      saved = process.env.ACTIONS_RUNTIME_TOKEN;
      delete process.env.ACTIONS_RUNTIME_TOKEN;
    });
    afterEach(() => {
      if (saved !== undefined) process.env.ACTIONS_RUNTIME_TOKEN = saved;
    });

    test('the upload is skipped with a notice saying where the tarball is; no id', async () => {
      const dir = tempDir('manage-backup-notoken');
      const local = join(dir, 'b.tar.gz');
      writeFileSync(local, 'tarball');
      const reporter = new RecordingReporter();
      const id = await uploadBackupArtifact(
        {
          options: options({ tasks: 'backup', 'upload-backup': 'true' }),
          reporter,
          uploadArtifact: (name, files, rootDir) =>
            uploadRunArtifact(name, files, rootDir, { what: 'the backup tarball', compressionLevel: 0 }),
        },
        local,
      );
      expect(id).toBeUndefined();
      expect(stdout.text()).toContain(
        `::notice::Artifact indico-backup (the backup tarball) was not uploaded: this runner gives no ACTIONS_RUNTIME_TOKEN (not a GitHub Actions job, or a local runner). The files are in ${dir}.`,
      );
      expect(reporter.all()).not.toContain('Uploaded');
    });
  });
});
