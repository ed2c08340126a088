import * as o from '../kinds.js';

/** One SSH connection (appleboy/ssh-action's inputs, with host keys pinned by default). */
export const sshOptions = {
  host: o.hostname({ description: 'Host to connect to', origin: 'machine.name' }),
  port: o.port({ description: 'SSH port', default: 22, origin: 'machine.ssh_port, guest_machine.ssh_port' }),
  sshUsername: o.string({
    description: 'SSH user (sudo is used when not root)',
    aliases: ['username'],
    default: 'root',
    pattern: /^[a-z_][a-z0-9_.-]{0,31}$/,
    patternText: 'a user name',
    origin: 'user',
  }),
  sshKey: o.secret({
    description:
      'Private key: OpenSSH or PEM text, or a path (~/ allowed); the CLI falls back to ~/.ssh/id_rsa, id_ecdsa, id_ed25519',
  }),
  sshKeyPassphrase: o.secret({ description: 'Passphrase of the private key' }),
  sshPassword: o.secret({
    description: 'SSH password (a key is preferred)',
    origin: 'password',
    aliases: ['password'],
  }),
  hostKeys: o.textBlock({
    description: 'Host public keys to pin, one per line (output host-keys of action-deploy)',
  }),
  fingerprint: o.list(
    o.string({
      description: 'fingerprint',
      pattern: /^SHA256:[A-Za-z0-9+/]{43}=?$/,
      patternText: 'SHA256:<base64>',
    }),
    { description: 'SHA256 host key fingerprints to accept', default: [] },
  ),
  knownHosts: o.textBlock({
    description:
      'known_hosts text or the path of such a file to verify the host key against; the CLI falls back to ~/.ssh/known_hosts',
  }),
  insecureAcceptHostKey: o.boolean({
    description: 'Accept an unknown host key (warns; for first contact only)',
    default: false,
  }),
  proxyHost: o.hostname({ description: 'Jump host' }),
  proxyPort: o.port({ description: 'Jump host SSH port', default: 22 }),
  proxyUsername: o.string({
    description: 'Jump host user',
    pattern: /^[a-z_][a-z0-9_.-]{0,31}$/,
    patternText: 'a user name',
  }),
  proxySshKey: o.secret({ description: 'Jump host private key' }),
  proxyFingerprint: o.list(
    o.string({
      description: 'fingerprint',
      pattern: /^SHA256:[A-Za-z0-9+/]{43}=?$/,
      patternText: 'SHA256:<base64>',
    }),
    { description: 'SHA256 fingerprints of the jump host', default: [] },
  ),
  timeout: o.duration({ description: 'Connect timeout', default: 30 }),
  commandTimeout: o.duration({ description: 'Timeout of each remote command', default: 1800 }),
} satisfies o.OptionGroup;
