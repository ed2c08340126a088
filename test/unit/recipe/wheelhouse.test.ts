import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { renderStockUserData } from '../../../shared/deploy/user-data.js';
import {
  WHEELHOUSE_DIR,
  WHEELHOUSE_FUNCTIONS,
  wheelhouseArchive,
  wheelhouseSource,
} from '../../../shared/recipe/wheelhouse.js';
import { quote } from '../../../shared/shell/quote.js';
import { selfSignedPair } from '../../support/tls.js';
import { optionsFrom, render, run, tempDir, writeTemp } from './helpers.js';

/** Debian's own wheels (python3-pip-whl, python3-setuptools-whl, python3-wheel-whl). */
const DEBIAN_WHEELS = '/usr/share/python-wheels';

function asIndicoOf(script: string): string {
  return /^as_indico\(\) \{\n {2}(.*)\n\}$/m.exec(script)?.[1] ?? '';
}

function wheelFolder(): string {
  const dir = tempDir('wheelhouse');
  for (const name of readdirSync(DEBIAN_WHEELS)) copyFileSync(join(DEBIAN_WHEELS, name), join(dir, name));
  writeFileSync(join(dir, 'README.txt'), 'not a distribution\n');
  return dir;
}

describe('python-wheelhouse: what is accepted', () => {
  test('a folder: its wheels, sorted, without other files', () => {
    const dir = wheelFolder();
    const source = wheelhouseSource(dir, '/');
    expect(source).toEqual({ kind: 'folder', path: dir, files: readdirSync(DEBIAN_WHEELS).sort() });
  });

  test('a relative path is read from the working directory; a tarball is taken as it is', () => {
    const dir = tempDir('wheelhouse-tar');
    writeFileSync(join(dir, 'wheels.tar.gz'), '');
    expect(wheelhouseSource('wheels.tar.gz', dir)).toEqual({
      kind: 'tarball',
      path: join(dir, 'wheels.tar.gz'),
    });
  });

  test('an https URL is left to the VM', () => {
    expect(wheelhouseSource('https://wheels.example.org/w.tgz', '/')).toEqual({
      kind: 'url',
      url: 'https://wheels.example.org/w.tgz',
    });
  });

  test.each([
    ['a missing path', (dir: string) => join(dir, 'nope'), /nope does not exist/],
    ['a folder without wheels', (dir: string) => dir, /holds no \.whl file/],
    [
      'a file that is no tarball',
      (dir: string) => writeTemp(dir, 'wheels.txt', 'x'),
      /is neither a folder nor a tarball/,
    ],
  ])('refused, naming the option and what is allowed: %s', (_name, pathIn, message) => {
    const path = pathIn(tempDir('wheelhouse-bad'));
    expect(() => wheelhouseSource(path, '/')).toThrow(message);
    expect(() => wheelhouseSource(path, '/')).toThrow(
      /^Option 'python-wheelhouse': .*; give a folder of wheels, a tarball of one .* or an https:\/\/ URL of a tarball\.$/,
    );
  });

  test('http:// and other URL schemes are refused when the options are read', () => {
    for (const value of ['http://wheels.example.org/w.tgz', 'ftp://wheels.example.org/w.tgz']) {
      expect(() => optionsFrom({ 'python-wheelhouse': value })).toThrow(/python-wheelhouse.*no http:\/\//s);
    }
  });

  test('a folder is sent as a tar of exactly its distributions', async () => {
    const dir = wheelFolder();
    const archive = await wheelhouseArchive(wheelhouseSource(dir, '/') as never);
    const listed = spawnSync('tar', ['-tf', '-'], { input: archive, encoding: 'utf8' });
    expect(listed.stdout.trim().split('\n').sort()).toEqual(readdirSync(DEBIAN_WHEELS).sort());
  });
});

describe('python-wheelhouse in the provisioning script', () => {
  test('pip finds the wheels there and asks no index', () => {
    for (const value of ['/srv/wheels.tgz', 'https://wheels.example.org/w.tgz']) {
      const asIndico = asIndicoOf(render({ 'python-wheelhouse': value }).script);
      expect(asIndico).toContain(`PIP_FIND_LINKS=${WHEELHOUSE_DIR}`);
      expect(asIndico).toContain('PIP_NO_INDEX=1');
    }
  });

  test('a URL is fetched by the VM before any pip call; a local one must have been sent', () => {
    const url = "https://wheels.example.org/w.tgz?x='1'&y=$(id)";
    const fetched = render({ 'python-wheelhouse': url }).script;
    const fetch = fetched.indexOf(`\nfetch_wheelhouse ${quote(url)} || exit 1\n`);
    expect(fetch).toBeGreaterThan(0);
    expect(fetch).toBeLessThan(fetched.indexOf('as_indico "$VENV/bin/pip" install'));
    const sent = render({ 'python-wheelhouse': '/srv/wheels' }).script;
    expect(sent).not.toMatch(/^fetch_wheelhouse /m);
    expect(sent).toContain(`\nWHEELHOUSE_DIR=${WHEELHOUSE_DIR}\n`);
    expect(sent).toContain('die "python-wheelhouse: no wheels in $WHEELHOUSE_DIR"');
  });

  test('without install-indico there is no pip, so nothing of the wheelhouse', () => {
    const script = render({ 'python-wheelhouse': '/srv/wheels', 'install-indico': 'false' }).script;
    expect(script).not.toContain(WHEELHOUSE_DIR);
  });

  test('with pip-find-links it is refused: pip reads one folder', () => {
    expect(() => render({ 'python-wheelhouse': '/srv/wheels', 'pip-find-links': '/srv/other' })).toThrow(
      'Give python-wheelhouse or pip-find-links, not both',
    );
  });

  test('stock user-data takes a URL only: nothing local reaches the VM', () => {
    const local = optionsFrom({ 'python-wheelhouse': '/srv/wheels' });
    expect(() => renderStockUserData(local)).toThrow(
      /^Option 'python-wheelhouse': "\/srv\/wheels" is a local path.*give an https:\/\/ URL/,
    );
    const url = optionsFrom({ 'python-wheelhouse': 'https://wheels.example.org/w.tgz' });
    expect(renderStockUserData(url).bytes.length).toBeGreaterThan(0);
  });
});

/** A tarball from member specs: [name, content, mode] or [name, '->', target] for a symlink. */
function tarball(path: string, members: readonly (readonly [string, string, number?])[]): void {
  const built = run('python3', [
    '-c',
    `import io, json, sys, tarfile
with tarfile.open(sys.argv[1], "w:gz") as t:
    for name, data, *rest in json.loads(sys.argv[2]):
        info = tarfile.TarInfo(name)
        if data.startswith("->"):
            info.type = tarfile.SYMTYPE; info.linkname = data[2:]; t.addfile(info); continue
        info.size = len(data); info.mode = rest[0] if rest else 0o644
        t.addfile(info, io.BytesIO(data.encode()))
`,
    path,
    JSON.stringify(members),
  ]);
  expect(built.stderr).toBe('');
}

/**
 * unpack_wheelhouse for real (tar, runuser, nobody) in a private mount namespace whose /var/cache and
 * /var/tmp are fresh tmpfs; prints what landed, what scratch is left, and any escape.
 */
function unpack(archive: string): { status: number | null; stdout: string; stderr: string } {
  const probe = `${WHEELHOUSE_FUNCTIONS}
mount -t tmpfs none /var/cache
mount -t tmpfs none /var/tmp
unpack_wheelhouse "$1"; status=$?
if [ -d ${WHEELHOUSE_DIR} ]; then
  for f in ${WHEELHOUSE_DIR}/*; do [ -e "$f" ] && printf 'file %s %s\\n' "\${f##*/}" "$(stat -c '%a %U:%G' "$f")"; done
fi
ls -A /var/tmp | sed 's/^/left /'
for p in /etc/indicovm-absolute /etc/indicovm-through-link /var/tmp/indicovm-dotdot-1.0-py3-none-any.whl; do
  [ ! -e "$p" ] || echo "escaped $p"
done
exit "$status"
`;
  return spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', probe, 'sh', archive], {
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('unpack_wheelhouse', () => {
  const dir = tempDir('wheelhouse-unpack');

  test('a folder inside the tarball and nested ones: only distributions land, flat, root-owned 0644', () => {
    const archive = join(dir, 'good.tar.gz');
    tarball(archive, [
      ['wheelhouse/good-1.0-py3-none-any.whl', 'wheel'],
      ['wheelhouse/sub/deep-2.0-py3-none-any.whl', 'deep'],
      ['wheelhouse/suid-1.0-py3-none-any.whl', 'suid', 0o4755],
      ['wheelhouse/src-1.0.tar.gz', 'sdist'],
      ['wheelhouse/notes.txt', 'x'],
    ]);
    const result = unpack(archive);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n').filter((line) => /^(file|left|escaped) /.test(line))).toEqual([
      'file deep-2.0-py3-none-any.whl 644 root:root',
      'file good-1.0-py3-none-any.whl 644 root:root',
      'file src-1.0.tar.gz 644 root:root',
      'file suid-1.0-py3-none-any.whl 644 root:root',
    ]);
    expect(result.stdout).toContain(`wheelhouse: 3 wheels in ${WHEELHOUSE_DIR}`);
  });

  test.each([
    ['a .. member', ['../indicovm-dotdot-1.0-py3-none-any.whl', 'x'] as const],
    ['a member through a symlink to /etc', ['evil/indicovm-through-link', 'x'] as const],
  ])('an archive with %s is refused whole; nothing escapes, nothing is left', (_name, member) => {
    const archive = join(dir, `hostile-${randomName()}.tar.gz`);
    tarball(archive, [['good-1.0-py3-none-any.whl', 'wheel'], ['evil', '->/etc'], member]);
    const result = unpack(archive);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/indicovm: error: python-wheelhouse: cannot unpack the archive\n$/);
    expect(result.stdout).toBe('');
  });

  test('an absolute member stays in the scratch folder (tar strips the /): nothing escapes', () => {
    const archive = join(dir, 'absolute.tar.gz');
    tarball(archive, [
      ['good-1.0-py3-none-any.whl', 'wheel'],
      ['/etc/indicovm-absolute', 'x'],
    ]);
    const result = unpack(archive);
    expect(result.status).toBe(0);
    expect(result.stderr).toContain("Removing leading `/' from member names");
    expect(result.stdout.split('\n').filter((line) => /^(file|left|escaped) /.test(line))).toEqual([
      'file good-1.0-py3-none-any.whl 644 root:root',
    ]);
  });

  test('an archive without wheels is an error that says so', () => {
    const archive = join(dir, 'empty.tar.gz');
    tarball(archive, [['notes.txt', 'x']]);
    const result = unpack(archive);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('indicovm: error: python-wheelhouse: the archive holds no .whl file\n');
  });
});

function randomName(): string {
  return Math.random().toString(36).slice(2);
}

/**
 * fetch_wheelhouse for real: the VM's python3 fetching over https from a server on loopback, with the
 * server's certificate as the only trusted one (SSL_CERT_FILE), in the same private namespace.
 */
describe('fetch_wheelhouse', () => {
  const dir = tempDir('wheelhouse-fetch');
  const { cert, key } = selfSignedPair(dir, '127.0.0.1', { subjectAltName: 'IP:127.0.0.1' });
  const certFile = writeTemp(dir, 'ca.crt', cert);
  const archive = join(dir, 'wheels.tar.gz');
  tarball(archive, [['wheelhouse/good-1.0-py3-none-any.whl', 'wheel']]);
  let server: Server;
  let base = '';
  beforeAll(async () => {
    server = createServer({ cert, key }, (request, response) => {
      if (request.url === '/wheels.tar.gz') response.end(readFileSync(archive));
      else response.writeHead(404).end();
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.close();
  });

  /** Runs fetch_wheelhouse URL as unpack() runs unpack_wheelhouse, without blocking the server. */
  function fetchIn(url: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
    const probe = `${WHEELHOUSE_FUNCTIONS}
mount -t tmpfs none /var/cache
mount -t tmpfs none /var/tmp
fetch_wheelhouse "$1"; status=$?
ls -A /var/tmp | sed 's/^/left /'
[ ! -d ${WHEELHOUSE_DIR} ] || ls ${WHEELHOUSE_DIR} | sed 's/^/file /'
exit "$status"
`;
    return new Promise((done, fail) => {
      const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', probe, 'sh', url], {
        env: { ...process.env, SSL_CERT_FILE: certFile },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', fail);
      child.on('close', (status) => done({ status, stdout, stderr }));
    });
  }

  test('an https URL: downloaded, unpacked, nothing left behind', async () => {
    const result = await fetchIn(`${base}/wheels.tar.gz`);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n').filter((line) => /^(file|left) /.test(line))).toEqual([
      'file good-1.0-py3-none-any.whl',
    ]);
  });

  test('a URL the server does not have: one line saying why, then which URL', async () => {
    const result = await fetchIn(`${base}/missing.tar.gz`);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `indicovm: error: python-wheelhouse: ${base}/missing.tar.gz: HTTP Error 404: Not Found\n` +
        `indicovm: error: python-wheelhouse: cannot download ${base}/missing.tar.gz\n`,
    );
    expect(result.stdout).not.toMatch(/^(file|left) /m);
  });

  test('http:// is not fetched, even when asked directly', async () => {
    const result = await fetchIn(`http://127.0.0.1:9/wheels.tar.gz`);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('indicovm: error: python-wheelhouse: only https:// URLs are fetched\n');
  });
});
