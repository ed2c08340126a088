import { randomBytes } from 'node:crypto';
import YAML from 'yaml';
import { ConfigurationError } from '../errors.js';
import { Secret } from '../secret.js';
import {
  mergeCloudConfig,
  parseCloudConfig,
  renderCloudConfig,
  renderYaml,
  type CloudConfig,
} from './cloud-config.js';
import { buildIso } from './iso9660.js';
import { generateEd25519KeyPair, type SshKeyPair } from './keys.js';
import { randomPassword, sha512Crypt } from './password.js';

/**
 * The NoCloud seed for one image build: a build user that only the build's own key can log in as, and an
 * SSH host key made here, so the builder's first connection is checked against a known key rather than
 * trusted on first use.
 */

export const NOCLOUD_VOLUME_ID = 'cidata';

export interface NoCloudSeedOptions {
  /** The guest's local-hostname. */
  readonly hostname: string;
  /** The user the build logs in as (passwordless sudo, key login only). */
  readonly buildUser: string;
  /** More cloud-config, merged after ours (YAML text or an object). */
  readonly extraCloudConfig?: CloudConfig | string;
  /** NoCloud network-config (version 1 or 2), written as given; without it cloud-init uses DHCP. */
  readonly networkConfig?: Record<string, unknown> | string;
  /** Put on the generated keys' public lines, to tell builds apart. */
  readonly keyComment?: string;
  /** The ISO's timestamps; defaults to now. */
  readonly date?: Date;
}

export interface NoCloudSeed {
  readonly instanceId: string;
  readonly metaData: string;
  /** Holds the host private key and the password hash, so it is a Secret too. */
  readonly userData: Secret;
  readonly networkConfig?: string;
  /** The `cidata` image with meta-data, user-data and, if given, network-config. */
  readonly iso: Buffer;
  readonly buildUser: string;
  /** The key the build logs in with. */
  readonly buildKey: SshKeyPair;
  /** The guest's only SSH host key: pin `hostKey.publicKey` / `hostKey.fingerprint` when connecting. */
  readonly hostKey: SshKeyPair;
  /** The build user's password (for the serial console); SSH refuses passwords. */
  readonly password: Secret;
}

/** Keys that the extra cloud-config may not change: they carry the login and host-key guarantees. */
const OWNED_KEYS = ['ssh_pwauth', 'disable_root', 'ssh_deletekeys', 'ssh_keys', 'ssh_genkeytypes'] as const;

const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;
const HOST_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export function renderNoCloudSeed(options: NoCloudSeedOptions): NoCloudSeed {
  checkHostname(options.hostname);
  checkBuildUser(options.buildUser);

  const comment = options.keyComment ?? `indicovm-build@${options.hostname}`;
  const buildKey = generateEd25519KeyPair(comment);
  const hostKey = generateEd25519KeyPair(`indicovm-host@${options.hostname}`);
  const password = randomPassword();
  const instanceId = `iid-indicovm-${randomBytes(8).toString('hex')}`;

  const base: CloudConfig = {
    users: [
      {
        name: options.buildUser,
        sudo: 'ALL=(ALL) NOPASSWD:ALL',
        shell: '/bin/bash',
        lock_passwd: false,
        passwd: new Secret(sha512Crypt(password)),
        ssh_authorized_keys: [buildKey.publicKey],
      },
    ],
    ssh_pwauth: false,
    disable_root: true,
    // Remove any host key baked into the image, then install ours; with ssh_keys given, cloud-init generates
    // none, and ssh_genkeytypes limits it to ed25519 (which then already exists) should that ever change.
    ssh_deletekeys: true,
    ssh_keys: { ed25519_private: hostKey.privateKey, ed25519_public: hostKey.publicKey },
    ssh_genkeytypes: ['ed25519'],
    // The guest's apt does not inherit the host's settings; a mirror snapshot with expired Release files
    // would otherwise stop every package install.
    apt: { conf: 'Acquire::Check-Valid-Until "false";\n' },
  };
  const extra =
    typeof options.extraCloudConfig === 'string'
      ? parseCloudConfig(options.extraCloudConfig, 'the extra cloud-config')
      : (options.extraCloudConfig ?? {});
  const userData = renderCloudConfig(mergeCloudConfig(base, extra, OWNED_KEYS));

  const metaData = renderYaml({ 'instance-id': instanceId, 'local-hostname': options.hostname });
  const networkConfig = renderNetworkConfig(options.networkConfig);

  const files = [
    { name: 'meta-data', data: Buffer.from(metaData, 'utf8') },
    { name: 'user-data', data: Buffer.from(userData, 'utf8') },
  ];
  if (networkConfig !== undefined)
    files.push({ name: 'network-config', data: Buffer.from(networkConfig, 'utf8') });
  const iso = buildIso({
    volumeId: NOCLOUD_VOLUME_ID,
    files,
    ...(options.date ? { date: options.date } : {}),
  });

  return {
    instanceId,
    metaData,
    userData: new Secret(userData, { composite: true }),
    ...(networkConfig !== undefined ? { networkConfig } : {}),
    iso,
    buildUser: options.buildUser,
    buildKey,
    hostKey,
    password,
  };
}

function renderNetworkConfig(config: Record<string, unknown> | string | undefined): string | undefined {
  if (config === undefined) return undefined;
  const value: unknown = typeof config === 'string' ? parseNetworkConfig(config) : config;
  const version =
    (value as { version?: unknown }).version ??
    (value as { network?: { version?: unknown } }).network?.version;
  if (version !== 1 && version !== 2) {
    throw new ConfigurationError('Invalid network-config: it must say version: 1 or version: 2.');
  }
  return typeof config === 'string' ? (config.endsWith('\n') ? config : `${config}\n`) : renderYaml(config);
}

function parseNetworkConfig(text: string): unknown {
  let value: unknown;
  try {
    value = YAML.parse(text, { version: '1.1' });
  } catch (error) {
    throw new ConfigurationError(
      `Invalid network-config: not valid YAML (${(error as Error).message.split('\n')[0]}).`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigurationError('Invalid network-config: expected a mapping with a version key.');
  }
  return value;
}

function checkHostname(hostname: string): void {
  const labels = hostname.split('.');
  if (hostname.length > 253 || !labels.every((label) => HOST_LABEL.test(label))) {
    throw new ConfigurationError(
      `Invalid hostname ${JSON.stringify(hostname)}: use dot-separated labels of letters, digits and '-' ` +
        `(each 1 to 63 characters, not starting or ending with '-').`,
    );
  }
}

function checkBuildUser(name: string): void {
  if (!USER_NAME.test(name) || name === 'root') {
    throw new ConfigurationError(
      `Invalid build user ${JSON.stringify(name)}: use a lower-case Linux user name (a-z, 0-9, _ and -, ` +
        `starting with a letter or _, at most 32 characters), and not root.`,
    );
  }
}
