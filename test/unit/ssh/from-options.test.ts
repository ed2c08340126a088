import { describe, expect, test } from '@jest/globals';
import { manageCommand } from '../../../shared/options/commands.js';
import { resolveOptions } from '../../../shared/options/resolve.js';
import { Secret } from '../../../shared/secret.js';
import { sshConnectOptions } from '../../../shared/ssh/from-options.js';

describe('sshConnectOptions', () => {
  test('maps the resolved ssh inputs, durations in seconds, the agent and the jump host', () => {
    const { values } = resolveOptions(manageCommand, {
      explicit: {
        host: 'vm.example.org',
        port: '2222',
        username: 'debian',
        'ssh-key': '-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----',
        fingerprint: 'SHA256:' + 'A'.repeat(43),
        'proxy-host': 'bastion.example.org',
        timeout: '45s',
        'command-timeout': '10m',
      },
      explicitKind: 'input',
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

  test('no host is an input error', () => {
    const { values } = resolveOptions(manageCommand, {});
    expect(() => sshConnectOptions(values, undefined)).toThrow(/host is required/);
  });
});
