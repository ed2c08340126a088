import { describe, expect, test } from '@jest/globals';
import { manageCommand } from '../../../shared/options/commands.js';
import { resolveOptions } from '../../../shared/options/resolve.js';
import { Secret } from '../../../shared/secret.js';
import { sshConnectOptions } from '../../../shared/ssh/from-options.js';

const TARGET_KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\ntarget\n-----END OPENSSH PRIVATE KEY-----';
const PROXY_KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nproxy\n-----END OPENSSH PRIVATE KEY-----';

/** A target reached through a jump host with an encrypted key of its own. */
const JUMP_TO_TARGET_WITH_PASSPHRASE = {
  host: 'vm.example.org',
  'ssh-key': TARGET_KEY,
  'ssh-key-passphrase': 'target passphrase',
  'proxy-host': 'bastion.example.org',
};

/** The manage command's options as an action resolves them from its inputs. */
function fromInputs(explicit: Record<string, string>) {
  return resolveOptions(manageCommand, { explicit, explicitKind: 'input' }).values;
}

describe('sshConnectOptions', () => {
  test('maps the resolved ssh inputs, durations in seconds, the agent and the jump host', () => {
    const values = fromInputs({
      host: 'vm.example.org',
      port: '2222',
      username: 'debian',
      'ssh-key': '-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----',
      fingerprint: 'SHA256:' + 'A'.repeat(43),
      'proxy-host': 'bastion.example.org',
      timeout: '45s',
      'command-timeout': '10m',
    });
    const options = sshConnectOptions(values, '/run/agent.sock');
    expect(options).toMatchObject({
      host: 'vm.example.org',
      port: 2222,
      username: 'debian',
      fingerprint: ['SHA256:' + 'A'.repeat(43)],
      agent: '/run/agent.sock',
      connectTimeoutMs: 45_000,
      commandTimeoutMs: 600_000,
      proxy: { host: 'bastion.example.org', port: 22, username: 'debian', agent: '/run/agent.sock' },
    });
    expect(options.privateKey).toBeInstanceOf(Secret);
    expect(options.password).toBeUndefined();
  });

  test('ssh-key and its passphrase serve the jump host when proxy-ssh-key is empty', () => {
    const values = fromInputs({ ...JUMP_TO_TARGET_WITH_PASSPHRASE, 'proxy-username': 'jump' });
    const { proxy } = sshConnectOptions(values, undefined);
    expect(proxy).toMatchObject({ host: 'bastion.example.org', username: 'jump', keyInput: 'ssh-key' });
    expect((proxy!.privateKey as Secret).reveal()).toBe(TARGET_KEY);
    expect(proxy!.passphrase?.reveal()).toBe('target passphrase');
  });

  test("proxy-ssh-key is the jump host's own key, without the target key's passphrase", () => {
    const values = fromInputs({ ...JUMP_TO_TARGET_WITH_PASSPHRASE, 'proxy-ssh-key': PROXY_KEY });
    const options = sshConnectOptions(values, undefined);
    expect(options.proxy).toMatchObject({ keyInput: 'proxy-ssh-key' });
    expect((options.proxy!.privateKey as Secret).reveal()).toBe(PROXY_KEY);
    expect(options.proxy!.passphrase).toBeUndefined();
    expect(options.passphrase?.reveal()).toBe('target passphrase');
  });

  test('without any key the jump host gets none (the agent, or a clear error at connect time)', () => {
    const values = fromInputs({
      host: 'vm.example.org',
      password: 'pw',
      'proxy-host': 'bastion.example.org',
    });
    const { proxy } = sshConnectOptions(values, undefined);
    expect(proxy!.privateKey).toBeUndefined();
    expect(proxy!.password).toBeUndefined();
  });

  test('no host is an input error', () => {
    const { values } = resolveOptions(manageCommand, {});
    expect(() => sshConnectOptions(values, undefined)).toThrow(/host is required/);
  });
});
