/**
 * The SSH engine's options from the resolved ssh option group (shared/options/catalog/ssh.ts), so the
 * build and manage commands build their connection the same way.
 */
import { ConfigurationError } from '../errors.js';
import type { Values } from '../options/kinds.js';
import type { sshOptions } from '../options/catalog/ssh.js';
import type { SshConnectOptions, SshEndpoint } from './options.js';
import { textOrFile } from './text-or-file.js';

const KNOWN_HOSTS = {
  what: 'known_hosts text (host key-type base64-key)',
  // One entry on its own: "host[,host] type key", perhaps with a marker or a comment.
  isText: (line: string) => /^[@#]|\s(ssh-|ecdsa-|sk-)/.test(line),
};

export type SshOptionValues = Values<typeof sshOptions>;

/**
 * @param agentSocket SSH_AUTH_SOCK of the caller's environment: the agent is offered when it is set.
 */
export function sshConnectOptions(
  values: SshOptionValues,
  agentSocket: string | undefined,
  overrides: Partial<SshConnectOptions> = {},
): SshConnectOptions {
  if (!values.host) {
    throw new ConfigurationError('host is required to connect over SSH.');
  }
  const agent = agentSocket ? { agent: agentSocket } : {};
  let proxy: SshEndpoint | undefined;
  if (values.proxyHost) {
    // One key for both hops is the common case (the same user on a bastion and its VMs): ssh-key, with
    // its passphrase, serves the jump host unless proxy-ssh-key names a key of its own.
    const proxyKey = values.proxySshKey
      ? { privateKey: values.proxySshKey, keyInput: 'proxy-ssh-key' }
      : values.sshKey
        ? {
            privateKey: values.sshKey,
            keyInput: 'ssh-key',
            ...(values.sshKeyPassphrase ? { passphrase: values.sshKeyPassphrase } : {}),
          }
        : {};
    proxy = {
      host: values.proxyHost,
      port: values.proxyPort,
      username: values.proxyUsername ?? values.sshUsername,
      ...proxyKey,
      fingerprint: values.proxyFingerprint,
      insecureAcceptHostKey: values.insecureAcceptHostKey,
      ...agent,
    };
  }
  return {
    host: values.host,
    port: values.port,
    username: values.sshUsername,
    ...(values.sshKey ? { privateKey: values.sshKey } : {}),
    ...(values.sshKeyPassphrase ? { passphrase: values.sshKeyPassphrase } : {}),
    ...(values.sshPassword ? { password: values.sshPassword } : {}),
    ...(values.hostKeys ? { hostKeys: values.hostKeys } : {}),
    fingerprint: values.fingerprint,
    ...(values.knownHosts ? { knownHosts: textOrFile(values.knownHosts, 'known-hosts', KNOWN_HOSTS) } : {}),
    insecureAcceptHostKey: values.insecureAcceptHostKey,
    ...agent,
    ...(proxy ? { proxy } : {}),
    connectTimeoutMs: values.timeout * 1000,
    commandTimeoutMs: values.commandTimeout * 1000,
    ...overrides,
  };
}
