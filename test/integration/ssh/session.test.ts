// Commands, scripts, files and tunnels over a real OpenSSH sshd on 127.0.0.1.
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync, statSync } from 'node:fs';
import { createServer, connect as tcpConnect, type Server } from 'node:net';
import { join } from 'node:path';
import { CommandError } from '../../../shared/errors.js';
import { Secret } from '../../../shared/secret.js';
import { CommandTimeoutError, connect, type SshSession } from '../../../shared/ssh/index.js';
import { startSshd, type Sshd } from '../../support/sshd.js';
import { RecordingReporter } from '../../support/recording-reporter.js';
import { failure } from '../../support/rejection.js';
import { rootKeyLogin, testUserLogin } from '../../support/sshd-logins.js';
import { useTempDir } from '../../support/temp-dir.js';

let sshd: Sshd;
let root: SshSession;
let user: SshSession;
const scratch = useTempDir('indicovm-ssh-session-');
const reporter = new RecordingReporter();

beforeAll(async () => {
  sshd = await startSshd({ sudoForTestUser: true });
  root = await connect(rootKeyLogin(sshd), reporter);
  user = await connect(testUserLogin(sshd), reporter);
});

afterAll(async () => {
  await root?.close();
  await user?.close();
  await sshd?.stop();
});

describe('exec', () => {
  const canary = () => join(scratch(), 'canary');

  afterEach(() => rmSync(canary(), { force: true }));

  test('hostile arguments arrive as literal bytes and run nothing', async () => {
    const hostile = [
      `$(touch ${canary()})`,
      `\`touch ${canary()}\``,
      `; touch ${canary()}`,
      `' ; touch ${canary()}; echo '`,
      `" ; touch ${canary()}; echo "`,
      `| touch ${canary()}`,
      `&& touch ${canary()}`,
      `line one\nline two\ttab`,
      'ünïcødé ✓ 日本',
      '*',
      '',
      '-n',
      '$HOME ${PATH} !!',
    ];
    const { stdout, code } = await root.exec(['printf', '%s\\0', ...hostile]);
    expect(code).toBe(0);
    expect(stdout.split('\0').slice(0, -1)).toEqual(hostile);
    expect(existsSync(canary())).toBe(false);
  });

  test('env values are carried literally and never logged', async () => {
    const value = `$(touch ${canary()}) 'quoted' "double" \`tick\` $HOME`;
    const { stdout } = await root.exec(['sh', '-c', 'printf %s "$A"; printf "|%s" "$B"'], {
      env: { A: value, B: new Secret('top secret value') },
    });
    expect(stdout).toBe(`${value}|top secret value`);
    expect(existsSync(canary())).toBe(false);
    expect(reporter.all()).not.toContain('top secret value');
    expect(reporter.all()).not.toContain(value);
  });

  test('output is streamed to the callbacks, split correctly across multi-byte characters', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const result = await root.exec(
      ['sh', '-c', 'for i in 1 2 3; do echo "ö$i"; echo "e$i" >&2; sleep 0.05; done'],
      {
        onStdout: (text) => out.push(text),
        onStderr: (text) => err.push(text),
      },
    );
    expect(out.join('')).toBe('ö1\nö2\nö3\n');
    expect(err.join('')).toBe('e1\ne2\ne3\n');
    expect(result.stdout).toBe(out.join(''));
  });

  test('stdin is handed to the command and closed', async () => {
    const data = `line 1\n${'x'.repeat(200_000)}\nlast`;
    const { stdout } = await root.exec(['sha256sum'], { stdin: data });
    const { createHash } = await import('node:crypto');
    expect(stdout.split(' ')[0]).toBe(createHash('sha256').update(data).digest('hex'));
  });

  test('a failing command throws CommandError with the command and the tail of stderr, secrets blanked', async () => {
    const error = (await failure(
      root.exec(['sh', '-c', 'echo "bad: $P" >&2; exit 7'], { env: { P: new Secret('pw-hidden-99') } }),
    )) as CommandError;
    expect(error).toBeInstanceOf(CommandError);
    expect(error.exitCode).toBe(7);
    expect(error.message).toContain(`env P='***' sh -c`);
    expect(error.message).toContain('failed with exit code 7');
    expect(error.message).toContain('bad: ***');
    expect(error.message).not.toContain('pw-hidden-99');
  });

  test('allowFailure returns the status instead', async () => {
    const result = await root.exec(['sh', '-c', 'exit 3'], { allowFailure: true });
    expect(result.code).toBe(3);
  });

  test('a command timeout stops the command promptly and names it and the limit', async () => {
    // A duration no other process uses, to find this sleep on the server afterwards.
    const marker = `sleep 30.${randomBytes(3).readUIntBE(0, 3)}`;
    const started = Date.now();
    const error = await failure(root.exec(['sh', '-c', `${marker}; echo never`], { timeoutMs: 1000 }));
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(CommandTimeoutError);
    expect(error.message).toMatch(
      /^sh -c 'sleep 30\.\d+; echo never' failed: timed out after 1 s and was stopped/,
    );
    expect(elapsed).toBeLessThan(4000);
    // The command is gone on the server too, not just abandoned.
    const left = await root.exec(['pgrep', '-f', marker], { allowFailure: true });
    expect(left.code).toBe(1);
    // The session is still usable.
    expect((await root.exec(['echo', 'after'])).stdout).toBe('after\n');
  });
});

describe('runScript', () => {
  test('a script runs under sh -s with its arguments; set -e is up to the script', async () => {
    const script = 'set -e\necho "args: $1 | $2"\nfalse\necho never\n';
    const error = await root
      .runScript(script, { args: ['a b', '$(x)'] })
      .catch((e: unknown) => e as CommandError);
    expect(error).toBeInstanceOf(CommandError);
    const ok = await root.runScript('echo "args: $1 | $2"\nfalse\necho "went on"\n', {
      args: ['a b', '$(x)'],
    });
    expect(ok.stdout).toBe('args: a b | $(x)\nwent on\n');
  });

  test('a script with sudo runs as root for a non-root user', async () => {
    const { stdout } = await user.runScript('id -un\necho "$GREETING"\n', {
      sudo: true,
      env: { GREETING: 'hi there' },
    });
    expect(stdout).toBe('root\nhi there\n');
  });
});

describe('sudo', () => {
  test('sudo runs as root for a non-root user, and not at all for root', async () => {
    expect((await user.exec(['id', '-un'])).stdout).toBe(`${sshd.testUser.name}\n`);
    expect((await user.exec(['id', '-un'], { sudo: true })).stdout).toBe('root\n');
    expect((await root.exec(['id', '-un'], { sudo: true })).stdout).toBe('root\n');
    expect(reporter.all()).toContain(`sudo -n -- id -un`);
  });

  test('hostile arguments stay literal through sudo', async () => {
    const arg = `$(id) \`id\` ; id 'q' "d"`;
    expect((await user.exec(['printf', '%s', arg], { sudo: true })).stdout).toBe(arg);
  });
});

describe('files', () => {
  test('upload, mode and download round-trip binary data, replacing the file atomically', async () => {
    const path = join(scratch(), 'blob.bin');
    const data = randomBytes(300_000);
    await root.upload(data, path, { mode: 0o600 });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect((await root.download(path)).equals(data)).toBe(true);

    await root.upload('second version\n', path, { mode: 0o644 });
    expect(statSync(path).mode & 0o777).toBe(0o644);
    expect((await root.download(path)).toString()).toBe('second version\n');
    // No temporary files are left beside it.
    const { stdout } = await root.exec(['ls', '-A', scratch()]);
    expect(stdout.split('\n').filter((name) => name.includes('indicovm-'))).toEqual([]);
  });

  test('readFile returns undefined for a missing file', async () => {
    expect(await root.readFile(join(scratch(), 'missing'))).toBeUndefined();
    await expect(root.download(join(scratch(), 'missing'))).rejects.toThrow(/no such file/);
  });

  test('a non-root user without sudo cannot write a root-owned directory', async () => {
    const dir = join(scratch(), 'root-only');
    await root.exec(['install', '-d', '-m', '0755', dir]);
    await expect(user.upload('x', join(dir, 'f'))).rejects.toThrow(/denied/i);
  });

  test('with sudo a non-root user installs a root-owned file with mode and owner, leaving no temporary copy', async () => {
    const dir = join(scratch(), 'root-only-2');
    await root.exec(['install', '-d', '-m', '0700', dir]);
    const path = join(dir, 'secret.conf');
    const data = Buffer.concat([Buffer.from('binary\0'), randomBytes(1000)]);
    await user.upload(data, path, { mode: 0o640, sudo: true, owner: 'root', group: sshd.testUser.name });
    const stat = statSync(path);
    expect(stat.mode & 0o777).toBe(0o640);
    expect(stat.uid).toBe(0);
    expect((await user.readFile(path, { sudo: true }))?.equals(data)).toBe(true);
    expect(await user.readFile(join(dir, 'absent'), { sudo: true })).toBeUndefined();
    const leftovers = await root.exec(['sh', '-c', `ls -A /tmp | grep -c '^.indicovm-upload-' || true`]);
    expect(leftovers.stdout.trim()).toBe('0');
    expect((await root.exec(['ls', '-A', dir])).stdout).toBe('secret.conf\n');
  });
});

describe('forwardLocal', () => {
  let server: Server;
  let serverPort: number;

  beforeAll(async () => {
    server = createServer((socket) => socket.end(`hello from ${socket.localPort}\n`));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    serverPort = (server.address() as { port: number }).port;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const read = (host: string, port: number) =>
    new Promise<string>((resolve, reject) => {
      const socket = tcpConnect(port, host);
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString()));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });

  test('a tunnel on 127.0.0.1 only reaches the remote port', async () => {
    const forward = await root.forwardLocal('127.0.0.1', serverPort);
    try {
      expect(forward.port).not.toBe(serverPort);
      expect(await read('127.0.0.1', forward.port)).toBe(`hello from ${serverPort}\n`);
      // Several connections through one tunnel.
      expect(await Promise.all([read('127.0.0.1', forward.port), read('127.0.0.1', forward.port)])).toEqual([
        `hello from ${serverPort}\n`,
        `hello from ${serverPort}\n`,
      ]);
      // Another loopback address of this machine is not listened on.
      await expect(read('127.0.0.2', forward.port)).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await forward.close();
    }
    await expect(read('127.0.0.1', forward.port)).rejects.toThrow(/ECONNREFUSED/);
  });

  test('HTTP through the tunnel', async () => {
    const http = createServer((socket) =>
      socket.once('data', () =>
        socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok'),
      ),
    );
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const forward = await root.forwardLocal('127.0.0.1', (http.address() as { port: number }).port);
    try {
      const response = await fetch(`http://127.0.0.1:${forward.port}/health`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('ok');
    } finally {
      await forward.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  });
});
