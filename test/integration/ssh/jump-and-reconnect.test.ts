// A jump host in front of the target, and connections that drop: two real sshd on 127.0.0.1.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { manageCommand } from '../../../shared/options/commands.js';
import { resolveOptions } from '../../../shared/options/resolve.js';
import { Secret } from '../../../shared/secret.js';
import { sshConnectOptions } from '../../../shared/ssh/from-options.js';
import {
  connect,
  HostKeyMismatchError,
  SshConnectionLostError,
  type SshConnectOptions,
} from '../../../shared/ssh/index.js';
import { startSshd, type Sshd } from '../../support/sshd.js';
import { RecordingReporter } from '../../support/recording-reporter.js';
import { failure } from '../../support/rejection.js';
import { rootKeyLogin } from '../../support/sshd-logins.js';

let target: Sshd;
let jump: Sshd;

beforeAll(async () => {
  target = await startSshd({ allowTcpForwarding: false });
  // The jump host also trusts the target's passphrase key: one ssh-key for both hops.
  jump = await startSshd({ extraAuthorizedKeys: [target.passphraseKey.publicKey] });
});

afterAll(async () => {
  await Promise.all([target?.stop(), jump?.stop()]);
});

function direct(extra: Partial<SshConnectOptions> = {}): SshConnectOptions {
  return { ...rootKeyLogin(target), retry: { attempts: 1 }, ...extra };
}

function throughJump(proxyExtra: Partial<SshConnectOptions['proxy'] & object> = {}): SshConnectOptions {
  return direct({
    proxy: {
      host: jump.host,
      port: jump.port,
      username: 'root',
      privateKey: new Secret(jump.clientKey.privateKey),
      fingerprint: [jump.fingerprint],
      ...proxyExtra,
    },
  });
}

/** Ports of the clients that the server's log says logged in. */
function loginPorts(server: Sshd): string[] {
  return [...server.log().matchAll(/^Accepted \S+ for \S+ from \S+ port (\d+)/gm)].map((m) => m[1] as string);
}

describe('jump host', () => {
  test('the target is reached through the jump host with each host key verified', async () => {
    const session = await connect(throughJump(), new RecordingReporter());
    try {
      expect((await session.exec(['echo', 'through'])).stdout).toBe('through\n');
      // The jump host's sshd holds the TCP connection to the target: the session really goes through it.
      expect(await jump.tcpPeerPorts()).toContain(target.port);
    } finally {
      await session.close();
    }
  });

  test('ssh-key with its passphrase logs in to both hops when proxy-ssh-key is empty', async () => {
    const { values } = resolveOptions(manageCommand, {
      explicit: {
        host: target.host,
        port: String(target.port),
        username: 'root',
        'ssh-key': target.passphraseKey.privateKey,
        'ssh-key-passphrase': target.passphraseKey.passphrase!,
        'host-keys': target.hostPublicKey,
        'proxy-host': jump.host,
        'proxy-port': String(jump.port),
        'proxy-fingerprint': jump.fingerprint,
      },
      explicitKind: 'input',
      env: {},
    });
    const before = loginPorts(jump).length;
    const session = await connect(
      sshConnectOptions(values, undefined, { retry: { attempts: 1 } }),
      new RecordingReporter(),
    );
    try {
      expect((await session.exec(['echo', 'one key'])).stdout).toBe('one key\n');
      expect(await jump.tcpPeerPorts()).toContain(target.port);
      // The jump host logged in the target's passphrase key: ssh-key was offered there.
      const blob = Buffer.from(target.passphraseKey.publicKey.split(' ')[1]!, 'base64');
      const fingerprint = `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
      expect(loginPorts(jump).length).toBeGreaterThan(before);
      expect(
        jump
          .log()
          .split('\n')
          .some((line) => line.startsWith('Accepted publickey for root') && line.includes(` ${fingerprint}`)),
      ).toBe(true);
    } finally {
      await session.close();
    }
  });

  test('without a key for the jump host the error names the inputs that exist', async () => {
    const options = throughJump({ privateKey: undefined });
    const error = await failure(connect(options, new RecordingReporter()));
    expect(error.message).toMatch(/give proxy-ssh-key \(or ssh-key, which serves the jump host too/);
    expect(error.message).not.toContain('proxy-password');
  });

  test('a wrong jump host key is refused and the target is never contacted', async () => {
    const before = loginPorts(target).length;
    const error = await failure(
      connect(throughJump({ fingerprint: [target.fingerprint] }), new RecordingReporter()),
    );
    expect(error).toBeInstanceOf(HostKeyMismatchError);
    expect(error.message).toContain(jump.fingerprint);
    expect(error.message).toContain('(proxy-fingerprint)');
    expect(loginPorts(target)).toHaveLength(before);
  });

  test('a wrong target key behind a good jump host is refused', async () => {
    const options = { ...throughJump(), hostKeys: jump.hostPublicKey };
    const error = await failure(connect(options, new RecordingReporter()));
    expect(error).toBeInstanceOf(HostKeyMismatchError);
    expect(error.message).toContain(target.fingerprint);
  });

  test('a jump host that forbids forwarding gives a clear error', async () => {
    // The target server has AllowTcpForwarding no: use it as the jump host this time.
    const options = direct({
      host: jump.host,
      port: jump.port,
      privateKey: new Secret(jump.clientKey.privateKey),
      hostKeys: jump.hostPublicKey,
      proxy: {
        host: target.host,
        port: target.port,
        username: 'root',
        privateKey: new Secret(target.clientKey.privateKey),
        hostKeys: target.hostPublicKey,
      },
    });
    const error = await failure(connect(options, new RecordingReporter()));
    expect(error.message).toMatch(new RegExp(`jump host 127\\.0\\.0\\.1:${target.port} could not reach`));
  });
});

describe('dropped connections', () => {
  test('a connection killed on the server surfaces as a clear error, and reconnect() works', async () => {
    const session = await connect(direct(), new RecordingReporter());
    try {
      expect((await session.exec(['echo', 'one'])).stdout).toBe('one\n');
      // A duration no other process uses, so the sleep that the dropped connection leaves behind can be
      // ended afterwards (the remote time limit would end it too).
      const duration = `20.${randomBytes(3).readUIntBE(0, 3)}`;
      const running = session.exec(['sleep', duration], { timeoutMs: 8000 });
      // Give the command time to start, then kill the connection's server processes.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await target.connectionPids()).length).toBeGreaterThan(0);
      const started = Date.now();
      await target.dropConnections();
      const error = await failure(running);
      expect(error).toBeInstanceOf(SshConnectionLostError);
      expect(error.message).toMatch(
        new RegExp(
          `SSH connection to 127\\.0\\.0\\.1:${target.port} was lost while running sleep 20\\.\\d+.*reconnect\\(\\)`,
        ),
      );
      expect(Date.now() - started).toBeLessThan(5000);
      // Later calls fail fast with the same kind of error instead of hanging.
      expect(session.connected).toBe(false);
      await expect(session.exec(['true'])).rejects.toThrow(SshConnectionLostError);

      await session.reconnect();
      expect(session.connected).toBe(true);
      expect((await session.exec(['echo', 'two'])).stdout).toBe('two\n');
      await session.exec(['pkill', '-x', '-f', `sleep ${duration}`]);
    } finally {
      await session.close();
    }
  });

  test('reconnect() through the jump host after the jump host dropped everything', async () => {
    const session = await connect(throughJump(), new RecordingReporter());
    try {
      await jump.dropConnections();
      await expect(
        (async () => {
          // The loss is noticed when the sockets close; give it a moment.
          for (let i = 0; i < 50 && session.connected; i++) {
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
          return session.exec(['true']);
        })(),
      ).rejects.toThrow(SshConnectionLostError);
      await session.reconnect();
      expect((await session.exec(['echo', 'back'])).stdout).toBe('back\n');
    } finally {
      await session.close();
    }
  });

  test('reconnect() accepts only the key verified the first time, even after an insecure first contact', async () => {
    const reporter = new RecordingReporter();
    const session = await connect(direct({ hostKeys: undefined, insecureAcceptHostKey: true }), reporter);
    try {
      expect(reporter.warnings()).toHaveLength(1);
      await target.dropConnections();
      for (let i = 0; i < 50 && session.connected; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await session.reconnect();
      // No second warning: the second connection was verified against the pinned first key.
      expect(reporter.warnings()).toHaveLength(1);
      expect(reporter.all()).toContain(
        `Host key of 127.0.0.1:${target.port} verified: ssh-ed25519 ${target.fingerprint}`,
      );
    } finally {
      await session.close();
    }
  });
});
