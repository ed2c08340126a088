/**
 * Host names that carry a bracket, a port or a zone used to pass the host-name check and land in
 * `server_name [::1;` and a broken BASE_URL. Every host-name option refuses them by name, and an IPv6
 * address that passes is rendered the way the real nginx compares it with the Host header.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { COMMANDS } from '../../../shared/options/commands.js';
import { kebab } from '../../../shared/options/names.js';
import { resolveOptions } from '../../../shared/options/resolve.js';
import { recipeContext } from '../../../shared/recipe/context.js';
import { indicoConfTemplate } from '../../../shared/recipe/indico-config.js';
import { FFDHE2048, nginxVhost } from '../../../shared/recipe/web-server.js';
import { freePort } from '../../support/sshd.js';
import { selfSignedPair } from '../../support/tls.js';
import { optionsFrom, tempDir } from '../recipe/helpers.js';

const HOSTILE = ['[::1', '[::1]', '::1]', '1.2.3.4:80', 'indico.example.org:443', 'fe80::1%eth0', 'a b'];
const FINE = ['indico.example.org', 'indico.example.org.', '192.0.2.10', '2001:db8::10', '::1'];

const hostOptions = COMMANDS.flatMap((command) =>
  Object.entries(command.options)
    .filter(([, spec]) => spec.type === 'hostname')
    .map(([key]) => ({ command, flag: kebab(key) })),
);

function resolveFlag(command: (typeof COMMANDS)[number], flag: string, value: string): string | undefined {
  try {
    resolveOptions(command, { explicit: { [flag]: value }, explicitKind: 'flag', env: {} });
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

describe('host-name options', () => {
  it('exist in every command that takes a host', () => {
    expect(hostOptions.length).toBeGreaterThanOrEqual(4);
  });

  it.each(HOSTILE)('refuse %j, naming the option and what is allowed', (value) => {
    for (const { command, flag } of hostOptions) {
      const message = resolveFlag(command, flag, value);
      expect(message).toContain(flag);
      expect(message).toContain('IPv6 address without brackets');
    }
  });

  it.each(FINE)('accept %j', (value) => {
    for (const { command, flag } of hostOptions) {
      const message = resolveFlag(command, flag, value);
      // Another option of the command may still be missing; this one must not be the complaint.
      expect(message ?? '').not.toContain(`${flag}:`);
      expect(message ?? '').not.toContain('without brackets');
    }
  });
});

describe('an IPv6 server-hostname', () => {
  const ctx = recipeContext(optionsFrom({ 'server-hostname': '2001:db8::10', 'https-port': '8443' }));

  it('is bracketed in BASE_URL, server_name and the redirect, bare in the certificate name', () => {
    expect(ctx.baseUrl).toBe('https://[2001:db8::10]:8443');
    expect(indicoConfTemplate(ctx)).toContain("BASE_URL = 'https://[2001:db8::10]:8443'");
    const vhost = nginxVhost(ctx);
    expect(vhost.match(/server_name\s+([^;]*);/g)).toEqual([
      'server_name [2001:db8::10];',
      'server_name  [2001:db8::10];',
    ]);
    expect(vhost).toContain('return 301 https://[2001:db8::10]:8443$request_uri;');
    expect(ctx.host).toBe('2001:db8::10');
  });

  describe('served by the real nginx on ::1', () => {
    const dir = tempDir('ipv6-vhost');
    let nginx: ReturnType<typeof spawn> | undefined;
    afterAll(() => {
      nginx?.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });

    // nginx's $host keeps the brackets, so a bare `server_name ::1` answers every request with a
    // redirect to itself. The vhost must send a request for its own name on to uWSGI (absent here:
    // 502), not back to BASE_URL.
    it('passes a request for its own name on instead of redirecting it forever', async () => {
      const [httpPort, httpsPort] = [await freePort(), await freePort()];
      const installDir = join(dir, 'indico');
      const sslDir = join(dir, 'ssl');
      mkdirSync(join(installDir, 'log', 'nginx'), { recursive: true });
      mkdirSync(join(installDir, 'web'), { recursive: true });
      mkdirSync(sslDir);
      selfSignedPair(sslDir, '::1', { name: 'indico', subjectAltName: 'IP:::1' });
      writeFileSync(join(sslDir, 'ffdhe2048'), FFDHE2048);
      const vhost = nginxVhost(
        recipeContext(
          optionsFrom({
            'server-hostname': '::1',
            'http-port': String(httpPort),
            'https-port': String(httpsPort),
            'install-dir': installDir,
            'ssl-dir': sslDir,
          }),
        ),
      ).replace(/^\s*listen\s+\d+.*$/gm, ''); // IPv6 loopback only
      writeFileSync(join(dir, 'indico.conf'), vhost);
      const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
        .map((t) => `${t}_temp_path ${dir}/${t};`)
        .join(' ');
      writeFileSync(
        join(dir, 'nginx.conf'),
        `daemon off;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\n` +
          `http {\n  access_log off; ${temp}\n  include ${dir}/indico.conf;\n}\n`,
      );
      const check = spawnSync('nginx', ['-t', '-p', dir, '-c', join(dir, 'nginx.conf')], {
        encoding: 'utf8',
      });
      expect(check.stderr).toContain('syntax is ok');
      nginx = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'ignore' });
      const status = await httpsStatus(httpsPort);
      expect(status).toBe(502);
    });
  });
});

async function httpsStatus(port: number): Promise<number> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await new Promise<number>((resolve, reject) => {
        const req = request(
          { host: '::1', port, path: '/', rejectUnauthorized: false, timeout: 2_000 },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.end();
      });
    } catch (error) {
      if (Date.now() > deadline) {
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
