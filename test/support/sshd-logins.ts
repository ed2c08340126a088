/** How tests log in to the local test sshd (test/support/sshd.ts): as SSH engine options and as action inputs. */
import { Secret } from '../../shared/secret.js';
import type { SshConnectOptions } from '../../shared/ssh/index.js';
import type { Sshd } from './sshd.js';

/** root with the unencrypted client key, the server recognised by its ed25519 host key. */
export function rootKeyLogin(sshd: Sshd): SshConnectOptions {
  return {
    host: sshd.host,
    port: sshd.port,
    username: 'root',
    privateKey: new Secret(sshd.clientKey.privateKey),
    hostKeys: sshd.hostPublicKey,
  };
}

/** TEST_USER with its password, the server recognised by its fingerprint. */
export function testUserLogin(sshd: Sshd): SshConnectOptions {
  return {
    host: sshd.host,
    port: sshd.port,
    username: sshd.testUser.name,
    password: new Secret(sshd.testUser.password),
    fingerprint: [sshd.fingerprint],
  };
}

/** rootKeyLogin as the inputs of action-manage. */
export function rootKeyInputs(sshd: Sshd): Record<string, string> {
  return {
    host: sshd.host,
    port: String(sshd.port),
    username: 'root',
    'ssh-key': sshd.clientKey.privateKey,
    'host-keys': sshd.hostPublicKey,
  };
}
