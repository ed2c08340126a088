import { describe, expect, test } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError } from '../../../shared/errors.js';
import { NGINX_HTTP2_SHELL } from '../../../shared/recipe/web-server.js';
import { fileAt, optionsFrom, render, run, tempDir } from './helpers.js';

describe('python-version', () => {
  test.each(['3.12', '3.12.2', '3.12.8', '3.12.10'])('%s is accepted', (version) => {
    expect(optionsFrom({ 'python-version': version }).pythonVersion).toBe(version);
  });

  test.each(['3.12.0', '3.12.1', '3.11', '3.11.9', '3.13', '3.13.1', '3', '3.12.02', '3.12.x'])(
    '%s is refused before anything runs, saying what Indico 3.3 needs',
    (version) => {
      expect(() => optionsFrom({ 'python-version': version })).toThrow(ConfigurationError);
      expect(() => optionsFrom({ 'python-version': version })).toThrow(
        /python-version .*3\.12\.2.*>=3\.12\.2,<3\.13/,
      );
    },
  );
});

describe('python-install-mirror', () => {
  test('takes http(s) and file URLs and nothing else', () => {
    expect(optionsFrom({ 'python-install-mirror': 'file:///srv/python' }).pythonInstallMirror).toBe(
      'file:///srv/python',
    );
    expect(() => optionsFrom({ 'python-install-mirror': 'ftp://mirror.example.org/' })).toThrow(
      /python-install-mirror/,
    );
    expect(optionsFrom({}).pythonInstallMirror).toBeUndefined();
  });
});

/**
 * The script's run-time choice between `listen … ssl http2` (every supported nginx) and `http2 on;`
 * (nginx >= 1.25.1, Debian 13), with a stub nginx that reports a version.
 */
describe('nginx HTTP/2 form', () => {
  function decide(version: string): { directive: boolean; vhost: string } {
    const root = tempDir('http2');
    const bin = join(root, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'nginx'), `#!/bin/sh\necho 'nginx version: nginx/${version}' >&2\n`, {
      mode: 0o755,
    });
    const vhost = fileAt(
      render({ 'https-port': '8443', 'http-port': '8080' }),
      '/etc/nginx/conf.d/indico.conf',
    );
    writeFileSync(join(root, 'vhost.conf'), vhost);
    const script =
      `${NGINX_HTTP2_SHELL}if nginx_has_http2_directive; then answer=yes; else answer=no; fi\n` +
      `echo "ANSWER=$answer"\nnginx_http2_filter "$answer" < ${join(root, 'vhost.conf')}\n`;
    const result = run('/bin/sh', ['-c', script], { env: { PATH: `${bin}:/usr/bin:/bin` } });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const [first, ...rest] = result.stdout.split('\n');
    return { directive: first === 'ANSWER=yes', vhost: rest.join('\n') };
  }

  test.each([
    ['1.18.0', false],
    ['1.22.1', false],
    ['1.24.0', false],
    ['1.25.0', false],
    ['1.25.1', true],
    ['1.26.3', true],
    ['1.27.10', true],
  ])('nginx %s: http2 directive %s', (version, directive) => {
    expect(decide(version).directive).toBe(directive);
  });

  test('old nginx keeps the vhost as rendered; new nginx gets `http2 on;` and no `listen … http2`', () => {
    const old = decide('1.22.1');
    expect(old.vhost).toMatch(/^ {2}listen {7}8443 ssl http2;$/m);
    expect(old.vhost).toMatch(/^ {2}listen {7}\[::\]:8443 ssl http2;$/m);
    expect(old.vhost).not.toContain('http2 on;');

    const modern = decide('1.26.3');
    expect(modern.vhost).not.toMatch(/listen[^;]*http2/);
    expect(modern.vhost).toMatch(
      /^ {2}listen {7}8443 ssl;\n {2}listen {7}\[::\]:8443 ssl;\n {2}http2 on;\n {2}server_name {2}localhost;$/m,
    );
    // Only the HTTPS server changes.
    expect(modern.vhost).toMatch(/^ {2}listen 8080;$/m);
    expect(modern.vhost.split('\n').length).toBe(old.vhost.split('\n').length + 1);
  });
});
