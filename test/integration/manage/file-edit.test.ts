// The staged, checked, backed-up file changes of manage over a real OpenSSH sshd on 127.0.0.1, as a
// sudo user (the path a VM's default user takes).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CommandError } from '../../../shared/errors.js';
import { changeFiles, checkPythonSyntax } from '../../../shared/manage/remote/file-edit.js';
import { connect, type SshSession } from '../../../shared/ssh/index.js';
import { startSshd, type Sshd } from '../../support/sshd.js';
import { RecordingReporter } from '../../support/recording-reporter.js';
import { failure } from '../../support/rejection.js';
import { testUserLogin } from '../../support/sshd-logins.js';
import { useTempDir } from '../../support/temp-dir.js';

let sshd: Sshd;
let session: SshSession;
// Root-owned, like /etc: only sudo can write here.
const dir = useTempDir('indicovm-manage-files-');

beforeAll(async () => {
  sshd = await startSshd({ sudoForTestUser: true });
  execFileSync('chmod', ['755', dir()]);
  session = await connect(testUserLogin(sshd), new RecordingReporter());
});

afterAll(async () => {
  await session?.close();
  await sshd?.stop();
});

describe('changeFiles', () => {
  test('edits keep mode and owner, keep one backup, create new files, and a repeat changes nothing', async () => {
    const existing = join(dir(), 'a.conf');
    writeFileSync(existing, 'port 1\n', { mode: 0o640 });
    execFileSync('chown', ['root:daemon', existing]);
    const fresh = join(dir(), 'new.key');
    const changes = [
      { path: existing, edit: (t: string | undefined) => (t ?? '').replace('port 1', 'port 2') },
      { path: fresh, edit: () => 'secret\n', mode: 0o600 },
      { path: join(dir(), 'optional'), edit: () => 'x', onlyIfExists: true },
    ];
    expect(await changeFiles(session, changes)).toEqual([existing, fresh]);
    expect(readFileSync(existing, 'utf8')).toBe('port 2\n');
    expect(readFileSync(`${existing}.indicovm.bak`, 'utf8')).toBe('port 1\n');
    expect(statSync(existing).mode & 0o777).toBe(0o640);
    expect(execFileSync('stat', ['-c', '%U:%G', existing], { encoding: 'utf8' }).trim()).toBe('root:daemon');
    expect(statSync(fresh).mode & 0o777).toBe(0o600);
    expect(statSync(fresh).uid).toBe(0);
    expect(existsSync(join(dir(), 'optional'))).toBe(false);
    expect(await changeFiles(session, changes)).toEqual([]);
  });

  test('what a run cut short by a lost connection left beside a target is removed, even when nothing changes', async () => {
    const target = join(dir(), 'cut.conf');
    writeFileSync(target, 'done\n');
    // A staging file and the upload's temporary sibling of one, holding what may be a secret.
    const leftovers = [`${target}.indicovm-new`, join(dir(), '.cut.conf.indicovm-new.indicovm-0a1b2c3d4e5f')];
    for (const file of leftovers) writeFileSync(file, 'half-written secret\n', { mode: 0o600 });
    expect(await changeFiles(session, [{ path: target, edit: () => 'done\n' }])).toEqual([]);
    expect(leftovers.filter((file) => existsSync(file))).toEqual([]);
    expect(readFileSync(target, 'utf8')).toBe('done\n');
  });

  test('an upload through sudo leaves no private copy in /tmp', async () => {
    const before = readdirSync('/tmp').filter((name) => name.startsWith('.indicovm-upload-'));
    await session.upload('k\n', join(dir(), 'uploaded.key'), { sudo: true, mode: 0o600 });
    const after = readdirSync('/tmp').filter((name) => name.startsWith('.indicovm-upload-'));
    expect(after.filter((name) => !before.includes(name))).toEqual([]);
    expect(readFileSync(join(dir(), 'uploaded.key'), 'utf8')).toBe('k\n');
  });

  test('a forced mode is a change even when the content is the same', async () => {
    const key = join(dir(), 'loose.key');
    writeFileSync(key, 'k\n', { mode: 0o644 });
    expect(
      await changeFiles(session, [{ path: key, edit: () => 'k\n', mode: 0o600, forceMode: true }]),
    ).toEqual([key]);
    expect(statSync(key).mode & 0o777).toBe(0o600);
  });

  test('a failing test in place puts every file back and removes the new ones', async () => {
    const vhost = join(dir(), 'vhost.conf');
    writeFileSync(vhost, 'good\n');
    const added = join(dir(), 'added.crt');
    const error = await failure(
      changeFiles(
        session,
        [
          { path: vhost, edit: () => 'bad\n' },
          { path: added, edit: () => 'cert\n' },
        ],
        {
          testInPlace: () =>
            session.exec(['sh', '-c', `grep -q good ${vhost}`], { sudo: true }).then(() => undefined),
        },
      ),
    );
    expect(error).toBeInstanceOf(CommandError);
    expect(error.message).toContain('the previous files were put back');
    expect(readFileSync(vhost, 'utf8')).toBe('good\n');
    expect(existsSync(added)).toBe(false);
    expect(existsSync(`${vhost}.indicovm-new`)).toBe(false);
  });

  test('a failing check of the staged copy leaves the target alone and no staging file', async () => {
    const conf = join(dir(), 'indico.conf');
    writeFileSync(conf, "BASE_URL = 'https://a'\n");
    const secret = 'hunter2-very-secret';
    const error = await failure(
      changeFiles(session, [
        {
          path: conf,
          edit: () => `SMTP_PASSWORD = '${secret}\n`,
          check: (p) => checkPythonSyntax(session, p),
        },
      ]),
    );
    expect(error).toBeInstanceOf(CommandError);
    expect(error.message).toMatch(/indico\.conf: .* at line 1/);
    expect(error.message).not.toContain(secret);
    expect(readFileSync(conf, 'utf8')).toBe("BASE_URL = 'https://a'\n");
    expect(existsSync(`${conf}.indicovm-new`)).toBe(false);
  });
});
