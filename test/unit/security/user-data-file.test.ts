// The stock-image user-data carries the recipe's secrets. It is written to a file only when
// user-data-path asks for it, only inside the workspace or RUNNER_TEMP (symbolic links followed)
// unless allow-user-data-outside-workspace says otherwise, and a failed run removes it. The bundled
// deploy step runs against the fake cloud on loopback, which has no flavors: every run here fails
// after login, as a real run can.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { distinctiveSecret } from '../../security/leak-scan.js';
import { FakeOpenStack } from '../../support/fake-openstack.js';
import { fakeLoginInputs } from '../../support/fake-openstack-login.js';
import { startBundledAction, type ActionRun } from '../../support/run-action.js';
import { useTempDir } from '../../support/temp-dir.js';

let fake: FakeOpenStack;
const outside = useTempDir('indicovm-outside-');
const redisPassword = distinctiveSecret('userdata');

beforeAll(async () => {
  fake = await FakeOpenStack.start();
});
afterAll(async () => {
  await fake?.close();
});

function deploy(extra: Record<string, string>, prepare?: (workspace: string) => void): Promise<ActionRun> {
  const workspace = mkdtempSync(join(tmpdir(), 'indicovm-ws-'));
  prepare?.(workspace);
  return startBundledAction(
    'action-deploy/dist/index.js',
    {
      ...fakeLoginInputs(fake),
      flavor: 'no-such-flavor',
      'source-image': 'debian-12',
      'server-name': 'user-data-file',
      'redis-password': redisPassword,
      ...extra,
    },
    { workspace },
  ).done;
}

/** Every file under dir whose content holds the secret. */
function filesHolding(dir: string, secret: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((file) => readFileSync(file).includes(secret));
}

function logins(): number {
  return fake.requests.filter((request) => request.path.endsWith('/auth/tokens')).length;
}

describe('user-data written only when asked, only inside, never left behind', () => {
  it('without user-data-path no file is written: the user-data goes to Nova only', async () => {
    const run = await deploy({});
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^::error::action-deploy failed: GET \/compute\/v2\.1\/flavors/m);
    expect(readdirSync(run.workspace, { recursive: true })).not.toContain('user-data.mime');
    expect(filesHolding(run.workspace, redisPassword)).toEqual([]);
    rmSync(run.workspace, { recursive: true });
  });

  it('with user-data-path the file is written, and removed when the run fails', async () => {
    const run = await deploy({ 'user-data-path': 'out/user-data.mime' });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/Wrote user-data to .*out\/user-data\.mime/);
    expect(existsSync(join(run.workspace, 'out', 'user-data.mime'))).toBe(false);
    expect(filesHolding(run.workspace, redisPassword)).toEqual([]);
    expect(run.outputs['user-data-path']).toBeUndefined();
    rmSync(run.workspace, { recursive: true });
  });

  it.each([
    ['an absolute path elsewhere', () => join(outside(), 'abs', 'user-data.mime'), undefined],
    [
      'a relative path that climbs out',
      () => `../${outside().split('/').pop()}/up/user-data.mime`,
      undefined,
    ],
    [
      'a symbolic link in the workspace that leads out',
      () => 'link/user-data.mime',
      (workspace: string) => symlinkSync(outside(), join(workspace, 'link')),
    ],
  ])('%s is refused, naming the option, before logging in', async (_what, path, prepare) => {
    const before = logins();
    const run = await deploy({ 'user-data-path': path() }, prepare);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(
      /^::error::action-deploy invalid settings: Option 'user-data-path': .* is outside the workspace and RUNNER_TEMP .*allow-user-data-outside-workspace: true/m,
    );
    expect(logins()).toBe(before);
    expect(filesHolding(outside(), redisPassword)).toEqual([]);
    rmSync(run.workspace, { recursive: true });
  });

  it('allow-user-data-outside-workspace lets it out; the failed run still removes it', async () => {
    const target = join(outside(), 'allowed', 'user-data.mime');
    const run = await deploy({ 'user-data-path': target, 'allow-user-data-outside-workspace': 'true' });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(`Wrote user-data to ${target}`);
    expect(existsSync(target)).toBe(false);
    expect(statSync(join(outside(), 'allowed')).isDirectory()).toBe(true);
    rmSync(run.workspace, { recursive: true });
  });

  it('a symbolic link at the path itself is replaced by a 0600 file, not written through', async () => {
    const victim = join(outside(), 'victim.txt');
    const run = await deploy({ 'user-data-path': 'ud.mime', 'keep-on-failure': 'true' }, (workspace) => {
      symlinkSync(victim, join(workspace, 'ud.mime'));
    });
    expect(run.status).toBe(1);
    expect(existsSync(victim)).toBe(false);
    expect(statSync(join(run.workspace, 'ud.mime')).mode & 0o777).toBe(0o600);
    rmSync(run.workspace, { recursive: true });
  });
});
