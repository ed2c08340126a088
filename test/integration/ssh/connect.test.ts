// Logging in and recognising the server, against a real OpenSSH sshd on 127.0.0.1.
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { ConfigurationError } from '../../../shared/errors.js';
import { Secret } from '../../../shared/secret.js';
import {
  connect,
  HostKeyMismatchError,
  SshAuthenticationError,
  SshConnectionError,
  type SshConnectOptions,
} from '../../../shared/ssh/index.js';
import { freePort, startSshd } from '../../support/sshd.js';
import { RecordingReporter } from '../../support/recording-reporter.js';
import { failure } from '../../support/rejection.js';
import { rootKeyLogin, testUserLogin } from '../../support/sshd-logins.js';
import { useTempDir } from '../../support/temp-dir.js';
import { useSshd } from '../../support/use-sshd.js';

const sshd = useSshd();
const scratch = useTempDir('indicovm-ssh-connect-');

function rootWithKey(extra: Partial<SshConnectOptions> = {}): SshConnectOptions {
  return { ...rootKeyLogin(sshd()), retry: { attempts: 1 }, ...extra };
}

async function whoami(options: SshConnectOptions, reporter = new RecordingReporter()): Promise<string> {
  const session = await connect(options, reporter);
  try {
    return (await session.exec(['id', '-un'])).stdout.trim();
  } finally {
    await session.close();
  }
}

/** Lines in the server's log that say a login succeeded. */
function acceptedLogins(): number {
  return sshd()
    .log()
    .split('\n')
    .filter((line) => line.startsWith('Accepted ')).length;
}

describe('authentication', () => {
  test('an OpenSSH private key logs in as root', async () => {
    expect(await whoami(rootWithKey())).toBe('root');
  });

  test('a key given as a file path is read from the file', async () => {
    expect(await whoami(rootWithKey({ privateKey: new Secret(sshd().clientKey.path) }))).toBe('root');
  });

  test('a PEM RSA key logs in', async () => {
    expect(await whoami(rootWithKey({ privateKey: new Secret(sshd().pemKey.privateKey) }))).toBe('root');
  });

  test('a key with a passphrase logs in; without it, or with a wrong one, the error names the input only', async () => {
    const key = new Secret(sshd().passphraseKey.privateKey);
    const passphrase = sshd().passphraseKey.passphrase as string;
    expect(await whoami(rootWithKey({ privateKey: key, passphrase: new Secret(passphrase) }))).toBe('root');

    const missing = whoami(rootWithKey({ privateKey: key }));
    await expect(missing).rejects.toThrow(ConfigurationError);
    await expect(missing).rejects.toThrow(/ssh-key .*needs ssh-key-passphrase/);
    const { message } = await failure(
      whoami(rootWithKey({ privateKey: key, passphrase: new Secret('not the passphrase') })),
    );
    expect(message).toMatch(/ssh-key could not be read/);
    expect(message).not.toContain('not the passphrase');
    expect(message).not.toContain('PRIVATE KEY');
  });

  test('password login for the test user', async () => {
    expect(await whoami(testUserLogin(sshd()))).toBe(sshd().testUser.name);
  });

  test('a refused key fails at once with an authentication error, without retries or secrets', async () => {
    const reporter = new RecordingReporter();
    const started = Date.now();
    const error = await failure(
      whoami(
        rootWithKey({ privateKey: new Secret(sshd().strangerKey.privateKey), retry: { attempts: 5 } }),
        reporter,
      ),
    );
    expect(error).toBeInstanceOf(SshAuthenticationError);
    expect(error.message).toMatch(/authentication as root to 127\.0\.0\.1:\d+ failed \(tried: publickey\)/);
    expect(reporter.all()).not.toMatch(/not ready/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test('a wrong password is an authentication error that does not show the password', async () => {
    const error = await failure(
      whoami({
        host: sshd().host,
        port: sshd().port,
        username: sshd().testUser.name,
        password: new Secret('wrong-password-123'),
        hostKeys: sshd().hostPublicKey,
      }),
    );
    expect(error).toBeInstanceOf(SshAuthenticationError);
    expect((error as Error).message).not.toContain('wrong-password-123');
  });

  test('an ssh-agent holding the key logs in', async () => {
    const socket = join(scratch(), 'agent.sock');
    const started = execFileSync('ssh-agent', ['-s', '-a', socket], { encoding: 'utf8' });
    const agentPid = Number(/SSH_AGENT_PID=(\d+)/.exec(started)?.[1]);
    try {
      execFileSync('ssh-add', ['-q', sshd().clientKey.path], {
        env: { ...process.env, SSH_AUTH_SOCK: socket },
        stdio: 'ignore',
      });
      expect(await whoami(rootWithKey({ privateKey: undefined, agent: socket }))).toBe('root');
    } finally {
      process.kill(agentPid, 'SIGTERM');
    }
  });

  test('no credentials at all is an input error', async () => {
    await expect(
      connect(
        { host: sshd().host, port: sshd().port, username: 'root', hostKeys: sshd().hostPublicKey },
        new RecordingReporter(),
      ),
    ).rejects.toThrow(/No SSH credentials for root@127\.0\.0\.1:\d+/);
  });
});

describe('host key verification', () => {
  const otherKeyLine = () =>
    // A valid key that is not the server's: the client's own public key.
    sshd().strangerKey.publicKey;

  test('a pinned key that the server does not have is refused before logging in', async () => {
    const before = acceptedLogins();
    const error = await failure(whoami(rootWithKey({ hostKeys: otherKeyLine(), retry: { attempts: 3 } })));
    expect(error).toBeInstanceOf(HostKeyMismatchError);
    expect(error.message).toContain(`offered a ssh-ed25519 host key with fingerprint ${sshd().fingerprint}`);
    expect(error.message).toMatch(/expected keys are: ssh-ed25519 SHA256:\S+ \(host-keys\)/);
    expect(acceptedLogins()).toBe(before);
  });

  test('a wrong fingerprint is refused the same way', async () => {
    const wrong = 'SHA256:' + 'A'.repeat(43);
    const before = acceptedLogins();
    const error = await failure(whoami(rootWithKey({ hostKeys: undefined, fingerprint: [wrong] })));
    expect(error).toBeInstanceOf(HostKeyMismatchError);
    expect(error.message).toContain(sshd().fingerprint);
    expect(error.message).toContain(`${wrong} (fingerprint)`);
    expect(acceptedLogins()).toBe(before);
  });

  test('the ecdsa key is accepted when that is the one pinned (it is asked for first)', async () => {
    expect(await whoami(rootWithKey({ hostKeys: `127.0.0.1 ${sshd().ecdsaHostPublicKey}` }))).toBe('root');
  });

  test('insecure acceptance logs in with a warning showing the fingerprint', async () => {
    const reporter = new RecordingReporter();
    expect(await whoami(rootWithKey({ hostKeys: undefined, insecureAcceptHostKey: true }), reporter)).toBe(
      'root',
    );
    expect(reporter.warnings()).toEqual([
      expect.stringContaining(`ssh-ed25519 host key of 127.0.0.1:${sshd().port} (${sshd().fingerprint})`),
    ]);
  });

  test('nothing pinned is refused before connecting', async () => {
    await expect(whoami(rootWithKey({ hostKeys: undefined }))).rejects.toThrow(
      /No host key is pinned for \[127\.0\.0\.1\]:\d+/,
    );
  });

  test('known_hosts with a [127.0.0.1]:port entry, plain and hashed by ssh-keygen -H', async () => {
    const plain = `[127.0.0.1]:${sshd().port} ${sshd().hostPublicKey}\n`;
    expect(await whoami(rootWithKey({ hostKeys: undefined, knownHosts: plain }))).toBe('root');

    const path = join(scratch(), 'known_hosts');
    writeFileSync(path, plain);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', path], { stdio: 'ignore' });
    const hashed = execFileSync('cat', [path], { encoding: 'utf8' });
    expect(hashed).toMatch(/^\|1\|/);
    expect(await whoami(rootWithKey({ hostKeys: undefined, knownHosts: hashed }))).toBe('root');
  });

  test('known_hosts whose entry for this host has another key is refused', async () => {
    const knownHosts = `[127.0.0.1]:${sshd().port} ${otherKeyLine()}\n`;
    const error = await failure(whoami(rootWithKey({ hostKeys: undefined, knownHosts })));
    expect(error).toBeInstanceOf(HostKeyMismatchError);
    expect(error.message).toMatch(/known-hosts line 1/);
  });
});

describe('retries', () => {
  test('a closed port fails after the given attempts with a connection error', async () => {
    const port = await freePort();
    const reporter = new RecordingReporter();
    const error = await failure(
      connect(rootWithKey({ port, retry: { attempts: 2, initialDelayMs: 100 } }), reporter),
    );
    expect(error).toBeInstanceOf(SshConnectionError);
    expect(error.message).toMatch(new RegExp(`127\\.0\\.0\\.1:${port} \\(2 attempts\\).*ECONNREFUSED`));
  });

  test('a server that never finishes the handshake times out per attempt, and is retried', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const started = Date.now();
      const error = await failure(
        connect(
          rootWithKey({ port, connectTimeoutMs: 500, retry: { attempts: 2, initialDelayMs: 100 } }),
          new RecordingReporter(),
        ),
      );
      expect(error).toBeInstanceOf(SshConnectionError);
      expect(error.message).toMatch(/\(2 attempts\): Timed out while waiting for handshake/);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      sockets.forEach((socket) => socket.destroy());
      silent.close();
    }
  });

  test('a server that drops connections before identification (a starting sshd) is retried', async () => {
    let accepted = 0;
    const dropping = createServer((socket) => {
      accepted++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => dropping.listen(0, '127.0.0.1', resolve));
    const port = (dropping.address() as { port: number }).port;
    try {
      const error = await failure(
        connect(rootWithKey({ port, retry: { attempts: 3, initialDelayMs: 50 } }), new RecordingReporter()),
      );
      expect(error).toBeInstanceOf(SshConnectionError);
      expect(error.message).toMatch(/\(3 attempts\)/);
      expect(accepted).toBe(3);
    } finally {
      dropping.close();
    }
  });

  test('a client that starts before the server keeps trying until the server is up', async () => {
    const port = await freePort();
    const reporter = new RecordingReporter();
    const outcome = connect(
      {
        host: '127.0.0.1',
        port,
        username: 'root',
        privateKey: new Secret(sshd().clientKey.privateKey),
        // The late server's key cannot be known in advance: this checks retries, not pinning.
        insecureAcceptHostKey: true,
        retry: { forMs: 20_000, initialDelayMs: 200, maxDelayMs: 500 },
      },
      reporter,
    ).then(
      (session) => ({ session }),
      (error: unknown) => ({ error }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const late = await startSshd({ port, extraAuthorizedKeys: [sshd().clientKey.publicKey] });
    try {
      const result = await outcome;
      if (!('session' in result)) {
        throw result.error;
      }
      try {
        expect(result.session.hostKey.blob.toString('base64')).toBe(late.hostPublicKey.split(' ')[1]);
        expect(reporter.all()).toMatch(/not ready .*ECONNREFUSED/);
        expect((await result.session.exec(['echo', 'late'])).stdout).toBe('late\n');
      } finally {
        await result.session.close();
      }
    } finally {
      await late.stop();
    }
  });
});
