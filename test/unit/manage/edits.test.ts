import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { baseUrlFor } from '../../../shared/host-name.js';
import { parseBaseUrl } from '../../../shared/manage/base-url.js';
import { editApacheVhost } from '../../../shared/manage/edit/apache.js';
import {
  readStringSetting,
  redisSettings,
  setPythonSetting,
  setPythonSettings,
  smtpSettings,
} from '../../../shared/manage/edit/indico-conf.js';
import { editNginxVhost, nginxTlsPaths } from '../../../shared/manage/edit/nginx.js';
import { setRedisDirective, splitRedisArgs } from '../../../shared/manage/edit/redis.js';
import { setShellAssignment } from '../../../shared/manage/edit/shell-assignment.js';
import { pythonString } from '../../../shared/recipe/escape.js';
import { recipeContext } from '../../../shared/recipe/context.js';
import { indicoConfTemplate, redisDropInTemplate } from '../../../shared/recipe/indico-config.js';
import { apacheVhost, FFDHE2048, nginxVhost } from '../../../shared/recipe/web-server.js';
import { optionsFrom, run, tempDir, TRICKY } from '../recipe/helpers.js';
import { selfSignedPair } from '../../support/tls.js';

const HOSTILE = [
  TRICKY,
  "'''",
  '"""',
  '\\',
  '\\x00',
  '# not a comment',
  'a\rb\tc',
  '\u2028 \u0085',
  'ünïcødé ☃',
  '',
];

/** Executes the config with python3 the way Indico does and returns the named settings. */
function execPython(text: string, keys: readonly string[]): Record<string, unknown> {
  const reader = `
import json, sys
ns = {}
exec(compile(open(sys.argv[1], encoding='utf-8').read(), sys.argv[1], 'exec'), ns)
print(json.dumps({k: ns.get(k) for k in sys.argv[2:]}))
`;
  const dir = tempDir('manage-conf');
  writeFileSync(join(dir, 'indico.conf'), text);
  const result = run('python3', ['-c', reader, join(dir, 'indico.conf'), ...keys]);
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

describe('indico.conf settings', () => {
  test('replaces an assignment in place and keeps every other line byte for byte', () => {
    const text =
      "# head\nBASE_URL = 'https://old'\nX = {\n    'a': 1,\n}\nSMTP_SERVER = ('a',\n   25)\nTAIL = 1\n";
    const out = setPythonSetting(
      setPythonSetting(text, 'BASE_URL', "'https://new'"),
      'SMTP_SERVER',
      "('b', 587)",
    );
    expect(out).toBe(
      "# head\nBASE_URL = 'https://new'\nX = {\n    'a': 1,\n}\nSMTP_SERVER = ('b', 587)\nTAIL = 1\n",
    );
  });

  test('appends a missing setting, and a second edit with the same value changes nothing', () => {
    const once = setPythonSetting('A = 1', 'SMTP_LOGIN', "'me'");
    expect(once).toBe("A = 1\nSMTP_LOGIN = 'me'\n");
    expect(setPythonSetting(once, 'SMTP_LOGIN', "'me'")).toBe(once);
  });

  test('a duplicated key is collapsed into one assignment (Python would read the last)', () => {
    expect(setPythonSetting('K = 1\nA = 2\nK = 3\n', 'K', '4')).toBe('K = 4\nA = 2\n');
  });

  test('refuses names that are not settings and values that are not one line', () => {
    expect(() => setPythonSetting('', 'import os', '1')).toThrow(/setting name/);
    expect(() => setPythonSetting('', 'A', "'a'\nimport os")).toThrow(/one line/);
  });

  test.each(HOSTILE.map((value) => [JSON.stringify(value), value]))(
    'hostile SMTP and Redis values round-trip through python3: %s',
    (_label, value) => {
      const ctx = recipeContext(optionsFrom());
      const settings = {
        ...smtpSettings({
          server: 'mail.example.org',
          port: 587,
          login: value,
          password: value,
          useTls: true,
        }),
        ...redisSettings({ host: '127.0.0.1', port: 6380, password: value }),
      };
      const out = setPythonSettings(indicoConfTemplate(ctx), settings);
      const ns = execPython(out, [
        'SMTP_SERVER',
        'SMTP_LOGIN',
        'SMTP_PASSWORD',
        'SMTP_USE_TLS',
        'CELERY_BROKER',
        'REDIS_CACHE_URL',
      ]);
      expect(ns.SMTP_SERVER).toEqual(['mail.example.org', 587]);
      expect(ns.SMTP_LOGIN).toBe(value);
      expect(ns.SMTP_PASSWORD).toBe(value);
      expect(ns.SMTP_USE_TLS).toBe(true);
      const broker = new URL(ns.CELERY_BROKER as string);
      expect(decodeURIComponent(broker.password)).toBe(value);
      expect(broker.port).toBe('6380');
      expect(broker.pathname).toBe('/0');
      expect(new URL(ns.REDIS_CACHE_URL as string).pathname).toBe('/1');
    },
  );

  test('editing the recipe template gives exactly what the recipe renders for the new options', () => {
    const before = recipeContext(optionsFrom());
    const after = recipeContext(
      optionsFrom({
        'server-hostname': 'indico.example.org',
        'https-port': '8443',
        'redis-port': '6380',
        'redis-password': 'p@ss:w/rd',
        'smtp-server': 'smtp.example.org',
        'smtp-port': '587',
        'smtp-login': 'me',
        'smtp-password': TRICKY,
        'smtp-use-tls': 'true',
      }),
    );
    const edited = setPythonSettings(indicoConfTemplate(before), {
      BASE_URL: pythonString(baseUrlFor('indico.example.org', 8443)),
      ...redisSettings({ host: '127.0.0.1', port: 6380, password: 'p@ss:w/rd' }),
      ...smtpSettings({ server: 'smtp.example.org', port: 587, login: 'me', password: TRICKY, useTls: true }),
    });
    // SUPPORT_EMAIL follows the host name in the recipe; manage leaves it as the admin set it.
    const strip = (text: string): string =>
      text.replace(/^(SUPPORT_EMAIL|PUBLIC_SUPPORT_EMAIL|NO_REPLY_EMAIL) = .*$/gm, '');
    expect(strip(edited)).toBe(strip(indicoConfTemplate(after)));
    expect(readStringSetting(edited, 'BASE_URL')).toBe('https://indico.example.org:8443');
  });
});

describe('BASE_URL', () => {
  test.each([
    ['indico.example.org', 443, 'https://indico.example.org'],
    ['indico.example.org', 8443, 'https://indico.example.org:8443'],
    ['indico.example.org.', 443, 'https://indico.example.org'],
    ['2001:db8::1', 443, 'https://[2001:db8::1]'],
    ['2001:db8::1', 4443, 'https://[2001:db8::1]:4443'],
    ['10.0.0.5', 80, 'https://10.0.0.5:80'],
  ])('%s with https port %i is %s', (host, port, url) => {
    expect(baseUrlFor(host, port)).toBe(url);
  });

  test('parses back host, port and path', () => {
    expect(parseBaseUrl('https://[2001:db8::1]:8443')).toEqual({
      host: '2001:db8::1',
      port: 8443,
      path: '/',
    });
    expect(parseBaseUrl('https://indico.example.org/indico')).toEqual({
      host: 'indico.example.org',
      port: 443,
      path: '/indico',
    });
  });
});

describe('Redis drop-in', () => {
  test.each(HOSTILE.filter((v) => v !== '').map((value) => [JSON.stringify(value), value]))(
    'requirepass reads back by Redis splitting rules: %s',
    (_label, value) => {
      const out = setRedisDirective('bind 127.0.0.1\nrequirepass old\n', 'requirepass', value);
      const line = out.split('\n').find((l) => l.startsWith('requirepass'))!;
      expect(splitRedisArgs(line)).toEqual(['requirepass', value]);
      expect(out.startsWith('bind 127.0.0.1\n')).toBe(true);
    },
  );

  test('editing the recipe drop-in gives what the recipe renders for the new options', () => {
    const before = recipeContext(optionsFrom());
    const after = recipeContext(optionsFrom({ 'redis-port': '6380', 'redis-password': TRICKY }));
    const edited = setRedisDirective(
      setRedisDirective(redisDropInTemplate(before), 'port', '6380'),
      'requirepass',
      TRICKY,
    );
    expect(edited).toBe(redisDropInTemplate(after));
    expect(setRedisDirective(edited, 'requirepass', TRICKY)).toBe(edited);
  });

  test('splitting rejects unbalanced quotes', () => {
    expect(splitRedisArgs('requirepass "abc')).toBeUndefined();
    expect(splitRedisArgs('requirepass "a"b')).toBeUndefined();
    expect(splitRedisArgs("requirepass 'a'b")).toBeUndefined();
    expect(splitRedisArgs("requirepass 'abc")).toBeUndefined();
  });

  test("splitting reads escapes as Redis does: C escapes and \\xHH in \"…\", only \\' in '…'", () => {
    expect(splitRedisArgs(String.raw`  a "\x41\n\t\"\\q"  'it\'s \n' w"x`)).toEqual([
      'a',
      'A\n\t"\\q',
      "it's \\n",
      'w"x',
    ]);
    expect(splitRedisArgs(String.raw`x "\xZZ"`)).toEqual(['x', 'xZZ']);
    expect(splitRedisArgs('')).toEqual([]);
  });
});

describe('first-boot script facts', () => {
  test('replaces a NAME= line with a quoted value and leaves scripts without it alone', () => {
    const script = '#!/bin/sh\nSERVER_NAME=localhost\nSELF_SIGNED=yes\n';
    expect(setShellAssignment(script, 'SERVER_NAME', "it's")).toBe(
      "#!/bin/sh\nSERVER_NAME='it'\\''s'\nSELF_SIGNED=yes\n",
    );
    expect(setShellAssignment(script, 'SELF_SIGNED', 'no')).toContain('\nSELF_SIGNED=no\n');
    expect(setShellAssignment('#!/bin/sh\n', 'SELF_SIGNED', 'no')).toBe('#!/bin/sh\n');
  });
});

describe('nginx vhost', () => {
  const opts = { 'server-hostname': 'indico.example.org', 'http-port': '8080', 'https-port': '8443' };

  test('editing the recipe vhost gives exactly what the recipe renders for the new name and ports', () => {
    const before = nginxVhost(recipeContext(optionsFrom()));
    const edited = editNginxVhost(before, {
      serverName: 'indico.example.org',
      httpPort: 8080,
      httpsPort: 8443,
      baseUrl: 'https://indico.example.org:8443',
    });
    expect(edited).toBe(nginxVhost(recipeContext(optionsFrom(opts))));
    expect(
      editNginxVhost(edited, { serverName: 'indico.example.org', httpPort: 8080, httpsPort: 8443 }),
    ).toBe(edited);
  });

  test('moves the TLS files and finds them again; comments are left alone', () => {
    const text =
      '# ssl_certificate /old;\nserver {\n  ssl_certificate  /a.crt;\n  ssl_certificate_key /a.key;\n}\n';
    const out = editNginxVhost(text, { certPath: '/etc/ssl/x/x.crt', keyPath: '/etc/ssl/x/x.key' });
    expect(out).toContain('# ssl_certificate /old;');
    expect(nginxTlsPaths(out)).toEqual({ cert: '/etc/ssl/x/x.crt', key: '/etc/ssl/x/x.key' });
  });

  test('the edited vhost passes the real nginx -t', () => {
    const dir = tempDir('manage-nginx');
    const installDir = join(dir, 'indico');
    const sslDir = join(dir, 'ssl');
    mkdirSync(join(installDir, 'log', 'nginx'), { recursive: true });
    mkdirSync(sslDir);
    selfSignedPair(sslDir, 'indico.example.org', { name: 'indico' });
    writeFileSync(join(sslDir, 'ffdhe2048'), FFDHE2048);
    const vhost = editNginxVhost(
      nginxVhost(recipeContext(optionsFrom({ 'install-dir': installDir, 'ssl-dir': sslDir }))),
      {
        serverName: 'indico.example.org',
        httpPort: 8080,
        httpsPort: 8443,
        baseUrl: 'https://indico.example.org:8443',
      },
    );
    writeFileSync(join(dir, 'indico.conf'), vhost);
    writeFileSync(
      join(dir, 'nginx.conf'),
      `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n  include ${dir}/indico.conf;\n}\n`,
    );
    const check = spawnSync('nginx', ['-t', '-p', dir, '-c', join(dir, 'nginx.conf')], { encoding: 'utf8' });
    expect(check.stderr).toContain('test is successful');
    expect(check.status).toBe(0);

    // And nginx -t does say no to a broken candidate, which is what keeps a bad edit from going live.
    writeFileSync(
      join(dir, 'indico.conf'),
      vhost.replace('listen       8443 ssl http2;', 'listen 8443 ssl http2'),
    );
    expect(spawnSync('nginx', ['-t', '-p', dir, '-c', join(dir, 'nginx.conf')]).status).not.toBe(0);
  });
});

describe('Apache vhost', () => {
  test.each([
    [{}, { 'server-hostname': 'indico.example.org', 'http-port': '8080', 'https-port': '8443' }],
    [{ 'http-port': '8080', 'https-port': '8443' }, { 'server-hostname': 'a.example.org' }],
    [{ 'https-port': '8443' }, { 'server-hostname': '2001:db8::5', 'https-port': '9443' }],
  ])('editing %j into %j gives what the recipe renders', (from, to) => {
    const before = apacheVhost(recipeContext(optionsFrom({ 'web-server': 'apache', ...from })));
    const wanted = recipeContext(optionsFrom({ 'web-server': 'apache', ...to }));
    const edited = editApacheVhost(before, {
      serverName: wanted.urlHost,
      httpPort: wanted.options.httpPort,
      httpsPort: wanted.options.httpsPort,
      baseUrl: wanted.baseUrl,
    });
    expect(edited).toBe(apacheVhost(wanted));
  });

  test('TLS file directives move', () => {
    const before = apacheVhost(recipeContext(optionsFrom({ 'web-server': 'apache' })));
    const out = editApacheVhost(before, { certPath: '/etc/ssl/n/n.crt', keyPath: '/etc/ssl/n/n.key' });
    expect(out).toContain('SSLCertificateFile    /etc/ssl/n/n.crt\n');
    expect(out).toContain('SSLCertificateKeyFile /etc/ssl/n/n.key\n');
  });
});
