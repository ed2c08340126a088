import { describe, expect, test } from '@jest/globals';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../../cli/src/run.js';
import { selfSignedPair } from '../../support/tls.js';
import { run, tempDir, writeTemp } from './helpers.js';

async function cli(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (text) => out.push(text), err: (line) => err.push(line) });
  return { code, out, err };
}

describe('indicovm render-script', () => {
  test('writes provision.sh and files/ mirroring the VM paths, and prints the paths', async () => {
    const dir = tempDir('cli');
    const { code, out, err } = await cli([
      'render-script',
      '--output-dir',
      dir,
      '--server-hostname',
      'indico.example.org',
    ]);
    expect(err.join('\n')).toBe('');
    expect(code).toBe(0);
    const printed = out.join('\n').split('\n');
    const script = join(dir, 'provision.sh');
    expect(printed[0]).toBe(script);
    expect(statSync(script).mode & 0o777).toBe(0o755);
    expect(run('sh', ['-n', script]).status).toBe(0);
    const vhost = join(dir, 'files/etc/nginx/conf.d/indico.conf');
    expect(printed).toContain(vhost);
    expect(readFileSync(vhost, 'utf8')).toContain('server_name  indico.example.org;');
    const firstboot = join(dir, 'files/usr/local/sbin/indicovm-firstboot');
    expect(statSync(firstboot).mode & 0o777).toBe(0o755);
    expect(statSync(join(dir, 'files/etc/indicovm/templates/indico.conf')).mode & 0o777).toBe(0o600);
    for (const path of printed) {
      expect(statSync(path).isFile()).toBe(true);
    }
  });

  test('reads ssl-cert and ssl-key given as paths to PEM files', async () => {
    const dir = tempDir('cli-pem');
    const { certFile: cert, keyFile: key } = selfSignedPair(dir, 'x');
    const out = join(dir, 'out');
    const { code } = await cli(['render-script', '--output-dir', out, '--ssl-cert', cert, '--ssl-key', key]);
    expect(code).toBe(0);
    expect(readFileSync(join(out, 'files/etc/ssl/indico/indico.crt'), 'utf8')).toBe(
      readFileSync(cert, 'utf8'),
    );
    expect(statSync(join(out, 'files/etc/ssl/indico/indico.key')).mode & 0o777).toBe(0o600);
  });

  test('a bad option is a usage error naming the option', async () => {
    const dir = tempDir('cli-bad');
    const notPem = writeTemp(dir, 'cert.txt', 'hello');
    const { code, err } = await cli([
      'render-script',
      '--output-dir',
      dir,
      '--ssl-cert',
      notPem,
      '--ssl-key',
      notPem,
    ]);
    expect(code).toBe(2);
    expect(err.join('\n')).toContain('ssl-cert must be a PEM certificate');
  });
});
