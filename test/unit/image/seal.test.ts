import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  finalSealScript,
  HISTORY_FILES,
  HOME_FOLDERS_COMMAND,
  historyRemoval,
  SEAL_FAILED,
  SEAL_OK,
  sealScript,
} from '../../../shared/image/seal.js';

/** `sh -n`: the real shell parses the script without running it. */
function shellSyntaxError(script: string): string {
  const result = spawnSync('sh', ['-n'], { input: script, encoding: 'utf8' });
  return result.status === 0 ? '' : result.stderr;
}

describe('seal scripts', () => {
  test('both parts are valid POSIX sh', () => {
    expect(shellSyntaxError(sealScript())).toBe('');
    expect(shellSyntaxError(finalSealScript('indicovm'))).toBe('');
  });

  test('the session part removes what makes a machine unique', () => {
    const script = sealScript();
    for (const expected of [
      'cloud-init clean --logs --seed --machine-id',
      ': > /etc/machine-id',
      'rm -f /etc/ssh/ssh_host_*',
      'apt-get clean',
      'rm -f /var/lib/indicovm/firstboot.done',
      '/var/lib/dhcp/*',
      // the build's python-wheelhouse
      '\nrm -rf /var/cache/indicovm\n',
    ]) {
      expect(script).toContain(expected);
    }
  });

  test("every user's shell history goes, in both parts, and nothing else in the homes", () => {
    const root = mkdtempSync(join(tmpdir(), 'indicovm-seal-history-'));
    try {
      const homes = ['root', 'home/alice', 'var/lib/postgresql', 'home/with space'].map((h) => join(root, h));
      for (const home of homes) {
        for (const name of HISTORY_FILES) {
          mkdirSync(join(home, name, '..'), { recursive: true });
          writeFileSync(join(home, name), 'secret command\n');
        }
        writeFileSync(join(home, 'keep.txt'), 'not history\n');
      }
      // The real scripts list homes from passwd, /root and /home/*; here a list of the test's folders.
      const list = `printf '%s\\n' ${homes.map((h) => `'${h}'`).join(' ')} '${join(root, 'missing')}'`;
      const run = spawnSync('sh', ['-eu'], { input: historyRemoval(list), encoding: 'utf8' });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const left = homes.flatMap((home) =>
        HISTORY_FILES.map((name) => join(home, name)).filter((path) => existsSync(path)),
      );
      expect(left).toEqual([]);
      expect(homes.every((home) => existsSync(join(home, 'keep.txt')))).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
    expect(sealScript()).toContain(historyRemoval());
    expect(finalSealScript('indicovm')).toContain(historyRemoval());
    expect(HOME_FOLDERS_COMMAND).toContain('getent passwd');
    expect(HOME_FOLDERS_COMMAND).toContain('/home/*');
  });

  test('the last part deletes the build user (quoted), empties logs and tmp, trims, reports, powers off', () => {
    const script = finalSealScript('build_user');
    expect(script).toContain('userdel -r build_user');
    expect(script).toContain('find /tmp /var/tmp -mindepth 1 -delete');
    expect(script).toContain('truncate -c -s 0');
    expect(script).toContain('fstrim -av');
    expect(script).toContain(SEAL_OK);
    expect(script).toContain(SEAL_FAILED);
    expect(script.trim().endsWith('systemctl poweroff')).toBe(true);
  });
});
