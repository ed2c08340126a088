import { beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigurationError } from '../../../shared/errors.js';
import { renderRecipe } from '../../../shared/recipe/render.js';
import { fileAt, optionsFrom, render, run, tempDir, TRICKY, writeTemp } from './helpers.js';
import { selfSignedPair } from '../../support/tls.js';

const INDICO_CONF = '/etc/indicovm/templates/indico.conf';

/** Executes indico.conf with python3 the way Indico does (exec of the file) and reads values back. */
function execIndicoConf(content: string): Record<string, unknown> {
  const dir = tempDir('conf');
  const conf = writeTemp(dir, 'indico.conf', content);
  const reader = `
import ast, json, sys, urllib.parse
source = open(sys.argv[1], encoding='utf-8').read()
ast.parse(source)
ns = {}
exec(compile(source, sys.argv[1], 'exec'), ns)
def password(url):
    return urllib.parse.unquote(urllib.parse.urlsplit(url).password)
def username(url):
    return urllib.parse.unquote(urllib.parse.urlsplit(url).username)
print(json.dumps({
    'BASE_URL': ns['BASE_URL'],
    'SECRET_KEY': ns['SECRET_KEY'],
    'SMTP_LOGIN': ns['SMTP_LOGIN'],
    'SMTP_PASSWORD': ns['SMTP_PASSWORD'],
    'SMTP_SERVER': list(ns['SMTP_SERVER']),
    'db_user': username(ns['SQLALCHEMY_DATABASE_URI']),
    'db_password': password(ns['SQLALCHEMY_DATABASE_URI']),
    'db_host': urllib.parse.urlsplit(ns['SQLALCHEMY_DATABASE_URI']).hostname,
    'db_path': urllib.parse.urlsplit(ns['SQLALCHEMY_DATABASE_URI']).path,
    'broker_password': password(ns['CELERY_BROKER']),
    'cache_password': password(ns['REDIS_CACHE_URL']),
    'broker_db': urllib.parse.urlsplit(ns['CELERY_BROKER']).path,
    'cache_db': urllib.parse.urlsplit(ns['REDIS_CACHE_URL']).path,
    'STATIC_FILE_METHOD': ns['STATIC_FILE_METHOD'],
    'SUPPORT_EMAIL': ns['SUPPORT_EMAIL'],
    'NO_REPLY_EMAIL': ns['NO_REPLY_EMAIL'],
}))
`;
  const result = run('python3', ['-c', reader, conf]);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

/** What the first-boot script does to the template: hex secrets in place of the placeholders. */
function withGeneratedSecrets(template: string): string {
  return template
    .replaceAll('@INDICOVM_SECRET_KEY@', 'a'.repeat(64))
    .replaceAll('@INDICOVM_DB_PASSWORD@', 'b'.repeat(64))
    .replaceAll('@INDICOVM_REDIS_PASSWORD@', 'c'.repeat(64));
}

describe('indico.conf', () => {
  test('given secrets with & | \\ \' " $ @ : / and newlines arrive intact', () => {
    const recipe = render({
      'db-password': TRICKY,
      'redis-password': TRICKY,
      'secret-key': TRICKY,
      'smtp-password': TRICKY,
      'smtp-login': `login'"\\`,
    });
    const conf = fileAt(recipe, INDICO_CONF);
    expect(conf).not.toContain('@INDICOVM_');
    const values = execIndicoConf(conf);
    expect(values.SECRET_KEY).toBe(TRICKY);
    expect(values.SMTP_PASSWORD).toBe(TRICKY);
    expect(values.SMTP_LOGIN).toBe(`login'"\\`);
    expect(values.db_password).toBe(TRICKY);
    expect(values.broker_password).toBe(TRICKY);
    expect(values.cache_password).toBe(TRICKY);
    expect(values.db_user).toBe('indico');
    expect(values.db_host).toBe('127.0.0.1');
    expect(values.db_path).toBe('/indico');
    expect(values.broker_db).toBe('/0');
    expect(values.cache_db).toBe('/1');
  });

  test('secrets left empty are placeholders the first-boot script fills', () => {
    const conf = fileAt(render(), INDICO_CONF);
    expect(conf).toContain("SECRET_KEY = '@INDICOVM_SECRET_KEY@'");
    const values = execIndicoConf(withGeneratedSecrets(conf));
    expect(values.SECRET_KEY).toBe('a'.repeat(64));
    expect(values.db_password).toBe('b'.repeat(64));
    expect(values.broker_password).toBe('c'.repeat(64));
    expect(values.SMTP_PASSWORD).toBe('');
  });

  test.each([
    [{}, 'https://localhost'],
    [
      { 'server-hostname': 'indico.example.org', 'https-port': '443', 'http-port': '80' },
      'https://indico.example.org',
    ],
    [
      { 'server-hostname': 'indico.example.org', 'https-port': '8443', 'http-port': '8080' },
      'https://indico.example.org:8443',
    ],
    [
      { 'server-hostname': 'indico.example.org.', 'https-port': '80', 'http-port': '8080' },
      'https://indico.example.org:80',
    ],
  ])('BASE_URL for %j is %s', (flags, expected) => {
    expect(execIndicoConf(withGeneratedSecrets(fileAt(render(flags), INDICO_CONF))).BASE_URL).toBe(expected);
  });

  test('static files go through nginx X-Accel-Redirect, or Apache X-Sendfile', () => {
    const nginx = execIndicoConf(withGeneratedSecrets(fileAt(render(), INDICO_CONF)));
    expect(nginx.STATIC_FILE_METHOD).toEqual(['xaccelredirect', { '/opt/indico': '/.xsf/indico' }]);
    const apache = execIndicoConf(
      withGeneratedSecrets(fileAt(render({ 'web-server': 'apache' }), INDICO_CONF)),
    );
    expect(apache.STATIC_FILE_METHOD).toBe('xsendfile');
  });

  test('SMTP and e-mail settings', () => {
    const values = execIndicoConf(
      withGeneratedSecrets(
        fileAt(
          render({
            'server-hostname': 'indico.example.org',
            'smtp-server': 'mail.example.org',
            'smtp-port': '587',
          }),
          INDICO_CONF,
        ),
      ),
    );
    expect(values.SMTP_SERVER).toEqual(['mail.example.org', 587]);
    expect(values.SUPPORT_EMAIL).toBe('root@indico.example.org');
    expect(values.NO_REPLY_EMAIL).toBe('noreply@indico.example.org');
  });
});

describe('the given PostgreSQL password in the script', () => {
  test('reaches psql unchanged through the here-document', () => {
    const { script } = render({ 'db-password': TRICKY });
    const match = /^as_postgres >\/dev\/null <<'(INDICOVM_EOF\w*)'\n([\s\S]*?)^\1$/m.exec(script);
    expect(match).not.toBeNull();
    // Run the here-document through a real shell, as the script does, and compare what psql would read.
    const heredoc = `cat <<'${match![1]}'\n${match![2]}${match![1]}\n`;
    const result = run('sh', ['-c', heredoc]);
    const expected = `SET password_encryption = 'scram-sha-256';\nALTER ROLE "indico" PASSWORD '${TRICKY.replaceAll("'", "''")}';\n`;
    expect(result.stdout).toBe(expected);
  });
});

describe('the Redis drop-in', () => {
  test('binds to 127.0.0.1 and requires a password', () => {
    const conf = fileAt(render({ 'redis-port': '6380' }), '/etc/indicovm/templates/redis.conf');
    expect(conf).toMatch(/^bind 127\.0\.0\.1$/m);
    expect(conf).toMatch(/^port 6380$/m);
    expect(conf).toMatch(/^requirepass "@INDICOVM_REDIS_PASSWORD@"$/m);
  });

  test('escapes a given password for redis.conf', () => {
    const conf = fileAt(render({ 'redis-password': 'a"b\\c\nd' }), '/etc/indicovm/templates/redis.conf');
    expect(conf).toMatch(/^requirepass "a\\"b\\\\c\\nd"$/m);
  });
});

describe('uWSGI', () => {
  test('the ini parses and points at the install dir', () => {
    const ini = fileAt(
      render({ 'install-dir': '/srv/indico', 'uwsgi-processes': '8' }),
      '/etc/uwsgi-indico.ini',
    );
    const dir = tempDir('ini');
    const path = writeTemp(dir, 'uwsgi.ini', ini);
    const reader = `
import configparser, json, sys
parser = configparser.ConfigParser(interpolation=None)
parser.read(sys.argv[1])
print(json.dumps(dict(parser['uwsgi'])))
`;
    const result = run('python3', ['-c', reader, path]);
    expect(result.status).toBe(0);
    const values = JSON.parse(result.stdout) as Record<string, string>;
    expect(values.socket).toBe('/srv/indico/web/uwsgi.sock');
    expect(values['wsgi-file']).toBe('/srv/indico/web/indico.wsgi');
    expect(values.virtualenv).toBe('/srv/indico/.venv');
    expect(values.processes).toBe('8');
    expect(values.uid).toBe('indico');
  });

  test('units are skipped, not failed, when Indico is not installed', () => {
    const recipe = render({ 'install-indico': 'false' });
    for (const unit of ['indico-uwsgi.service', 'indico-celery.service', 'indico-celery-beat.service']) {
      const content = fileAt(recipe, `/etc/systemd/system/${unit}`);
      expect(content).toMatch(/^ConditionPathExists=\/opt\/indico\/\.venv\/bin\/(uwsgi|indico)$/m);
      expect(content).toMatch(/^WantedBy=multi-user\.target$/m);
    }
    const firstboot = fileAt(recipe, '/etc/systemd/system/indicovm-firstboot.service');
    expect(firstboot).toContain('ConditionPathExists=!/var/lib/indicovm/firstboot.done');
  });

  test('the Indico units require the first-boot unit and start after it, which starts before them', () => {
    const recipe = render();
    const indicoUnits = ['indico-uwsgi.service', 'indico-celery.service', 'indico-celery-beat.service'];
    for (const unit of indicoUnits) {
      const section = unitSection(fileAt(recipe, `/etc/systemd/system/${unit}`), 'Unit');
      expect(section.get('Requires')).toEqual(['indicovm-firstboot.service']);
      expect(section.get('After')?.join(' ').split(/\s+/)).toContain('indicovm-firstboot.service');
    }
    const firstboot = unitSection(fileAt(recipe, '/etc/systemd/system/indicovm-firstboot.service'), 'Unit');
    // The reverse order would be a cycle; Requires= must not point back either.
    const before = firstboot.get('Before')?.join(' ').split(/\s+/) ?? [];
    for (const unit of indicoUnits) expect(before).toContain(unit);
    expect(firstboot.get('After')?.join(' ')).not.toMatch(/indico-/);
    expect(firstboot.get('Requires')).toBeUndefined();
  });
});

/** The keys of one section of a systemd unit file, each with all its values in order. */
function unitSection(unit: string, name: string): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  let current = '';
  for (const line of unit.split('\n')) {
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = header[1]!;
    } else if (current === name && /^[A-Za-z]+=/.test(line)) {
      const at = line.indexOf('=');
      keys.set(line.slice(0, at), [...(keys.get(line.slice(0, at)) ?? []), line.slice(at + 1)]);
    }
  }
  return keys;
}

describe('nginx', () => {
  let cert: string;
  let key: string;
  beforeAll(() => {
    const given = selfSignedPair(tempDir('nginx'), 'indico.example.org', { name: 'given' });
    cert = given.certFile;
    key = given.keyFile;
  });

  /** Writes the recipe's files that live under `root` and runs `nginx -t` on a throwaway main config. */
  function nginxTest(
    flags: Record<string, string>,
    selfSigned: boolean,
  ): { output: string; vhost: string; status: number | null } {
    const root = tempDir('nginx-root');
    const recipe = render({ ...flags, 'install-dir': `${root}/opt/indico`, 'ssl-dir': `${root}/ssl` });
    for (const file of recipe.files.filter((f) => f.path.startsWith(root))) {
      mkdirSync(dirname(file.path), { recursive: true });
      writeFileSync(file.path, file.content, { mode: file.mode });
    }
    mkdirSync(`${root}/opt/indico/log/nginx`, { recursive: true });
    if (selfSigned) {
      writeFileSync(`${root}/ssl/indico.crt`, readFileSync(cert));
      writeFileSync(`${root}/ssl/indico.key`, readFileSync(key));
    }
    const vhost = join(root, 'vhost.conf');
    writeFileSync(vhost, fileAt(recipe, '/etc/nginx/conf.d/indico.conf'));
    const main = writeTemp(
      root,
      'nginx.conf',
      `pid ${root}/nginx.pid;\nerror_log ${root}/error.log;\nevents {}\nhttp {\n` +
        ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
          .map((t) => `  ${t}_temp_path ${root}/${t};\n`)
          .join('') +
        `  access_log off;\n  include ${vhost};\n}\n`,
    );
    const result = run('nginx', ['-t', '-p', root, '-c', main]);
    return { output: result.stderr, vhost: readFileSync(vhost, 'utf8'), status: result.status };
  }

  test('nginx -t accepts the vhost with a self-signed certificate', () => {
    const { output, status } = nginxTest({}, true);
    expect(output).toContain('test is successful');
    expect(output).not.toMatch(/\[(warn|emerg)\]/);
    expect(status).toBe(0);
  });

  test('nginx -t accepts custom ports and a given certificate with chain', () => {
    const pem = readFileSync(cert, 'utf8');
    const { output, status, vhost } = nginxTest(
      {
        'server-hostname': 'indico.example.org',
        'http-port': '8080',
        'https-port': '8443',
        'ssl-cert': pem,
        'ssl-key': readFileSync(key, 'utf8'),
        'ssl-chain': pem,
      },
      false,
    );
    expect(output).toContain('test is successful');
    expect(status).toBe(0);
    expect(vhost).toMatch(/^ {2}listen 8080;$/m);
    expect(vhost).toMatch(/^ {2}listen {7}8443 ssl http2;$/m);
    expect(vhost).toContain('return 301 https://indico.example.org:8443$request_uri;');
  });

  test('port 80 redirects to https without a :443 suffix', () => {
    const vhost = fileAt(
      render({ 'server-hostname': 'indico.example.org' }),
      '/etc/nginx/conf.d/indico.conf',
    );
    expect(vhost).toContain('return 301 https://indico.example.org$request_uri;');
    expect(vhost).not.toMatch(/https:\/\/[^\s$]*:(80|443)\b/);
  });
});

describe('apache', () => {
  const MODULES = '/usr/lib/apache2/modules';
  // What the script enables (proxy_uwsgi, rewrite, ssl, xsendfile, http2, with proxy and socache_shmcb
  // as their dependencies) plus what Debian's apache2 enables by default and the vhost uses.
  const LOADED = [
    'mpm_event',
    'authz_core',
    'alias',
    'env',
    'socache_shmcb',
    'ssl',
    'rewrite',
    'http2',
    'proxy',
    'proxy_uwsgi',
    'xsendfile',
  ];

  /** Writes the vhost and a throwaway main config under a temp root and runs `apache2 -t` on them. */
  function apacheTest(flags: Record<string, string>): {
    output: string;
    status: number | null;
    vhost: string;
  } {
    const root = tempDir('apache-root');
    const recipe = render({
      ...flags,
      'web-server': 'apache',
      'install-dir': `${root}/opt/indico`,
      'ssl-dir': `${root}/ssl`,
    });
    mkdirSync(`${root}/opt/indico/log/apache`, { recursive: true });
    mkdirSync(`${root}/ssl`, { recursive: true });
    const pair = selfSignedPair(`${root}/ssl`, 'indico.example.org', { name: 'indico' });
    expect(pair.certFile).toBe(`${root}/ssl/indico.crt`);
    // The script creates /var/empty/apache; here it lives under the temp root.
    const vhostText = fileAt(recipe, '/etc/apache2/sites-available/indico.conf');
    mkdirSync(`${root}/var/empty/apache`, { recursive: true });
    const vhost = writeTemp(
      root,
      'indico.conf',
      vhostText.replace('"/var/empty/apache"', `"${root}/var/empty/apache"`),
    );
    const ports = [flags['http-port'] ?? '80', flags['https-port'] ?? '443'];
    const main = writeTemp(
      root,
      'httpd.conf',
      LOADED.map((m) => `LoadModule ${m}_module ${MODULES}/mod_${m}.so\n`).join('') +
        `ServerName localhost\nPidFile ${root}/httpd.pid\nErrorLog ${root}/error.log\n` +
        // Debian's ports.conf listens on 80 and 443; the vhost adds Listen lines for other ports.
        (ports[0] === '80' ? 'Listen 80\n' : '') +
        (ports[1] === '443' ? 'Listen 443 https\n' : '') +
        `Include ${vhost}\n`,
    );
    const result = run('/usr/sbin/apache2', ['-t', '-f', main]);
    return { output: result.stderr + result.stdout, status: result.status, vhost: vhostText };
  }

  test('apache2 -t accepts the vhost, with no warning', () => {
    const { output, status } = apacheTest({});
    expect(output.trim()).toBe('Syntax OK');
    expect(status).toBe(0);
  });

  test('apache2 -t accepts custom ports; port 80 redirects without a :443 suffix', () => {
    const custom = apacheTest({
      'server-hostname': 'indico.example.org',
      'http-port': '8080',
      'https-port': '8443',
    });
    expect(custom.output.trim()).toBe('Syntax OK');
    expect(custom.vhost).toMatch(/^Listen 8080$/m);
    expect(custom.vhost).toMatch(/^Listen 8443 https$/m);
    expect(custom.vhost).toContain('RewriteRule ^(.*)$ https://indico.example.org:8443$1 [R=301,L]');
    const standard = apacheTest({ 'server-hostname': 'indico.example.org' });
    expect(standard.vhost).toContain('RewriteRule ^(.*)$ https://indico.example.org$1 [R=301,L]');
    expect(standard.vhost).not.toMatch(/https:\/\/[^\s$]*:(80|443)\b/);
  });
});

describe('given certificates', () => {
  test('are installed with the chain after the certificate and a private key file', () => {
    const { cert: pem, key } = selfSignedPair(tempDir('cert'), 'x');
    const recipe = render({ 'ssl-cert': pem, 'ssl-key': key, 'ssl-chain': pem });
    const crt = recipe.files.find((f) => f.path === '/etc/ssl/indico/indico.crt');
    const keyFile = recipe.files.find((f) => f.path === '/etc/ssl/indico/indico.key');
    expect(crt?.content).toBe(pem + pem);
    expect(keyFile?.mode).toBe(0o600);
    expect(fileAt(recipe, '/usr/local/sbin/indicovm-firstboot')).toMatch(/^SELF_SIGNED=no$/m);
    expect(fileAt(render(), '/usr/local/sbin/indicovm-firstboot')).toMatch(/^SELF_SIGNED=yes$/m);
  });
});

describe('invalid options', () => {
  test.each([
    [{ 'install-dir': '/opt/my indico' }, /install-dir/],
    [{ 'http-port': '8443', 'https-port': '8443' }, /must differ/],
    [{ 'ssl-cert': '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n' }, /together/],
    [{ 'ssl-cert': 'not pem', 'ssl-key': 'not pem' }, /ssl-cert must be a PEM certificate/],
  ])('%j is refused', (flags, message) => {
    expect(() => renderRecipe(optionsFrom(flags))).toThrow(ConfigurationError);
    expect(() => renderRecipe(optionsFrom(flags))).toThrow(message);
  });
});
