import { describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileAt, firstbootScriptOf, render, run, tempDir, TRICKY } from './helpers.js';

/**
 * Runs the real first-boot script in a private mount namespace where /etc, /opt, /var/lib and
 * /usr/local/sbin are throwaway directories; runuser (psql) and systemctl are recording stubs.
 */
class Sandbox {
  readonly root = tempDir('firstboot');
  constructor(readonly recipe = render()) {
    const etc = join(this.root, 'etc');
    mkdirSync(join(etc, 'ssl'), { recursive: true });
    for (const name of ['passwd', 'nsswitch.conf']) copyFileSync(`/etc/${name}`, join(etc, name));
    writeFileSync(
      join(etc, 'group'),
      readFileSync('/etc/group', 'utf8') + 'indico:x:64990:\nredis:x:64991:\n',
    );
    if (existsSync('/etc/ssl/openssl.cnf'))
      copyFileSync('/etc/ssl/openssl.cnf', join(etc, 'ssl/openssl.cnf'));
    for (const file of this.recipe.files.filter((f) => f.path.startsWith('/etc/indicovm/'))) {
      this.put(file.path, file.content, file.mode);
    }
    this.put(
      '/etc/indicovm/host.env',
      'REDIS_SERVICE=redis-server\nREDIS_GROUP=redis\nREDIS_DROP_IN=/etc/redis/indico.conf\nWEB_SERVICE=nginx\nPG_SERVICE=postgresql\n',
      0o600,
    );
    mkdirSync(join(this.root, 'opt'), { recursive: true });
    mkdirSync(join(this.root, 'var/lib'), { recursive: true });
    this.put('/usr/local/sbin/indicovm-firstboot', firstbootScriptOf(this.recipe), 0o755);
    // psql reads SQL on stdin; the stub keeps it. Services are "inactive" unless listed in active-units.
    this.put(
      '/usr/local/sbin/runuser',
      `#!/bin/sh\nprintf '%s\\n' "$*" >> /var/lib/calls\ncase "$*" in *-c*) exit 0 ;; esac\ncat >> /var/lib/psql-stdin\n`,
      0o755,
    );
    this.put(
      '/usr/local/sbin/systemctl',
      `#!/bin/sh\nprintf 'systemctl %s\\n' "$*" >> /var/lib/calls\ncase "$1" in is-active) grep -qxF "$3" /var/lib/active-units 2>/dev/null ;; esac\n`,
      0o755,
    );
    this.put('/var/lib/active-units', 'nginx\nindico-uwsgi.service\n', 0o644);
  }

  path(onVm: string): string {
    const map: [string, string][] = [
      ['/etc/', 'etc/'],
      ['/opt/', 'opt/'],
      ['/var/lib/', 'var/lib/'],
      ['/usr/local/sbin/', 'sbin/'],
    ];
    const [prefix, local] = map.find(([p]) => onVm.startsWith(p))!;
    return join(this.root, local, onVm.slice(prefix.length));
  }

  put(onVm: string, content: string, mode: number): void {
    mkdirSync(dirname(this.path(onVm)), { recursive: true });
    writeFileSync(this.path(onVm), content, { mode });
  }

  read(onVm: string): string {
    return readFileSync(this.path(onVm), 'utf8');
  }

  run(mode: string): { stdout: string; stderr: string; status: number | null } {
    const mounts = [
      ['etc', '/etc'],
      ['opt', '/opt'],
      ['var/lib', '/var/lib'],
      ['sbin', '/usr/local/sbin'],
    ]
      .map(([from, to]) => `mount --bind ${join(this.root, from!)} ${to}`)
      .join(' && ');
    const result = run('unshare', [
      '-m',
      '--propagation',
      'private',
      'sh',
      '-c',
      `${mounts} && /usr/local/sbin/indicovm-firstboot ${mode}`,
    ]);
    return { stdout: result.stdout, stderr: result.stderr, status: result.status };
  }
}

function secretsOf(env: string): Record<string, string> {
  return Object.fromEntries(
    env
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe('indicovm-firstboot', () => {
  test('is usable in a private mount namespace here (needed by the tests below)', () => {
    const result = run('unshare', ['-m', '--propagation', 'private', 'true']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  test('regenerate makes per-instance secrets, renders the configs and stamps; apply changes nothing', () => {
    const box = new Sandbox();
    const first = box.run('regenerate');
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);

    const secrets = secretsOf(box.read('/etc/indicovm/secrets.env'));
    expect(Object.keys(secrets).sort()).toEqual(['DB_PASSWORD', 'REDIS_PASSWORD', 'SECRET_KEY']);
    for (const value of Object.values(secrets)) expect(value).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(box.path('/etc/indicovm/secrets.env')).mode & 0o777).toBe(0o600);

    const conf = box.read('/opt/indico/etc/indico.conf');
    expect(conf).not.toContain('@INDICOVM_');
    expect(conf).toContain(`SECRET_KEY = '${secrets.SECRET_KEY}'`);
    expect(conf).toContain(`postgresql://indico:${secrets.DB_PASSWORD}@127.0.0.1:5432/indico`);
    expect(conf).toContain(`redis://:${secrets.REDIS_PASSWORD}@127.0.0.1:6379/0`);
    expect(statSync(box.path('/opt/indico/etc/indico.conf')).mode & 0o777).toBe(0o640);
    expect(box.read('/etc/redis/indico.conf')).toContain(`requirepass "${secrets.REDIS_PASSWORD}"`);

    expect(box.read('/var/lib/psql-stdin')).toContain(
      `ALTER ROLE "indico" PASSWORD '${secrets.DB_PASSWORD}';`,
    );
    const subject = run('openssl', [
      'x509',
      '-noout',
      '-subject',
      '-in',
      box.path('/etc/ssl/indico/indico.crt'),
    ]);
    expect(subject.stdout).toMatch(/CN ?= ?localhost/);
    expect(statSync(box.path('/etc/ssl/indico/indico.key')).mode & 0o777).toBe(0o600);
    expect(existsSync(box.path('/var/lib/indicovm/firstboot.done'))).toBe(true);
    // Nothing was replaced on the very first run.
    expect(existsSync(box.path('/var/lib/indicovm/replaced-secrets.sha256'))).toBe(false);
    // Only services already running are restarted (at boot: none, the unit runs before them).
    const calls = box.read('/var/lib/calls');
    expect(calls).toContain('systemctl restart nginx');
    expect(calls).toContain('systemctl restart indico-uwsgi.service');
    expect(calls).not.toContain('systemctl restart redis-server');

    const before = box.read('/opt/indico/etc/indico.conf');
    const mtime = statSync(box.path('/opt/indico/etc/indico.conf')).mtimeMs;
    writeFileSync(box.path('/var/lib/calls'), '');
    const second = box.run('apply');
    expect(second.status).toBe(0);
    expect(second.stdout).not.toContain('wrote');
    expect(second.stdout).not.toContain('generated');
    expect(box.read('/opt/indico/etc/indico.conf')).toBe(before);
    expect(statSync(box.path('/opt/indico/etc/indico.conf')).mtimeMs).toBe(mtime);
    expect(box.read('/var/lib/calls')).not.toContain('restart');

    const third = box.run('regenerate');
    expect(third.status).toBe(0);
    const renewed = secretsOf(box.read('/etc/indicovm/secrets.env'));
    expect(renewed.SECRET_KEY).not.toBe(secrets.SECRET_KEY);
    expect(renewed.DB_PASSWORD).not.toBe(secrets.DB_PASSWORD);
    expect(renewed.REDIS_PASSWORD).not.toBe(secrets.REDIS_PASSWORD);
    // What a new instance's check compares with: hashes of the replaced secrets, never the values.
    const replaced = box.read('/var/lib/indicovm/replaced-secrets.sha256');
    const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');
    expect(replaced).toBe(
      `REDIS_PASSWORD ${sha256(secrets.REDIS_PASSWORD!)}\n` +
        `SECRET_KEY ${sha256(secrets.SECRET_KEY!)}\n` +
        `DB_PASSWORD ${sha256(secrets.DB_PASSWORD!)}\n`,
    );
    expect(statSync(box.path('/var/lib/indicovm/replaced-secrets.sha256')).mode & 0o777).toBe(0o600);
  });

  test('secrets given as options are used as given and never regenerated', () => {
    const recipe = render({ 'db-password': TRICKY, 'redis-password': TRICKY, 'secret-key': TRICKY });
    const box = new Sandbox(recipe);
    const result = box.run('regenerate');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(secretsOf(box.read('/etc/indicovm/secrets.env'))).toEqual({});
    expect(box.read('/opt/indico/etc/indico.conf')).toBe(
      fileAt(recipe, '/etc/indicovm/templates/indico.conf'),
    );
    expect(existsSync(box.path('/var/lib/psql-stdin'))).toBe(false);
    expect(box.run('regenerate').status).toBe(0);
    expect(existsSync(box.path('/var/lib/indicovm/replaced-secrets.sha256'))).toBe(false);
  });
});
