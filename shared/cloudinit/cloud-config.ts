import YAML from 'yaml';
import { ConfigurationError } from '../errors.js';
import { Secret, isSecret } from '../secret.js';

/**
 * The one place where a cloud-config object becomes `#cloud-config` YAML. Typed for the keys indicovm writes;
 * anything else cloud-init knows passes through the index signature untouched. Secret values (private keys,
 * password hashes) are revealed only here, at the moment they are written into the document.
 */

export interface CloudConfigUser {
  readonly name: string;
  readonly gecos?: string;
  readonly groups?: string | readonly string[];
  /** A sudoers rule such as `ALL=(ALL) NOPASSWD:ALL`, or false for none. */
  readonly sudo?: string | false;
  readonly shell?: string;
  readonly lock_passwd?: boolean;
  /** A crypt(3) hash (`$6$…`), never a plain password. */
  readonly passwd?: Secret | string;
  readonly ssh_authorized_keys?: readonly string[];
  readonly [key: string]: unknown;
}

export interface CloudConfigWriteFile {
  readonly path: string;
  readonly content: Secret | string;
  /** `user:group`; cloud-init would default to root:root, which is stated here rather than assumed. */
  readonly owner: string;
  /** Octal text such as '0644'; private keys must not be readable by group or others. */
  readonly permissions: string;
  readonly encoding?: 'text/plain' | 'b64' | 'gz+b64';
  readonly append?: boolean;
  readonly defer?: boolean;
}

export interface CloudConfigSshKeys {
  readonly ed25519_private?: Secret;
  readonly ed25519_public?: string;
  readonly [key: string]: unknown;
}

export interface CloudConfig {
  readonly users?: readonly (CloudConfigUser | 'default')[];
  readonly ssh_pwauth?: boolean;
  readonly disable_root?: boolean;
  readonly ssh_deletekeys?: boolean;
  readonly ssh_keys?: CloudConfigSshKeys;
  readonly ssh_genkeytypes?: readonly ('ed25519' | 'ecdsa' | 'rsa')[];
  readonly apt?: { readonly conf?: string; readonly [key: string]: unknown };
  readonly write_files?: readonly CloudConfigWriteFile[];
  readonly runcmd?: readonly (string | readonly string[])[];
  readonly [key: string]: unknown;
}

export const CLOUD_CONFIG_HEADER = '#cloud-config\n';

const OCTAL_PERMISSIONS = /^0?[0-7]{3,4}$/;
const OWNER = /^[a-z_][a-z0-9_-]*[$]?(:[a-z_][a-z0-9_-]*[$]?)?$/;

/** The document cloud-init reads: the header line, then YAML that PyYAML (YAML 1.1) reads back unchanged. */
export function renderCloudConfig(config: CloudConfig): string {
  checkWriteFiles(config.write_files ?? []);
  // YAML 1.1 output quotes the strings PyYAML would otherwise turn into booleans, octals or dates (on, 0600).
  return CLOUD_CONFIG_HEADER + YAML.stringify(revealed(config), { version: '1.1', lineWidth: 0 });
}

/** Plain YAML for NoCloud's meta-data and network-config files, with the same YAML 1.1 care. */
export function renderYaml(value: unknown): string {
  return YAML.stringify(revealed(value), { version: '1.1', lineWidth: 0 });
}

/**
 * Reads extra cloud-config given by the user (as YAML text, with or without the `#cloud-config` line).
 * `source` names where it came from, for the error message.
 */
export function parseCloudConfig(text: string, source: string): CloudConfig {
  const body = text.startsWith('#cloud-config') ? text.slice(text.indexOf('\n') + 1) : text;
  let value: unknown;
  try {
    value = YAML.parse(body, { version: '1.1' });
  } catch (error) {
    throw new ConfigurationError(
      `Invalid cloud-config in ${source}: not valid YAML (${(error as Error).message.split('\n')[0]}).`,
    );
  }
  if (value === null || value === undefined) return {};
  if (!isPlainObject(value)) {
    throw new ConfigurationError(
      `Invalid cloud-config in ${source}: expected a mapping of cloud-config keys.`,
    );
  }
  return value as CloudConfig;
}

/**
 * Adds `extra` to `base`: mappings merge key by key, lists are appended (so extra users, files and commands
 * come after ours), and other values from `extra` win. Keys in `owned` carry what indicovm relies on (the
 * pinned host key, no password login): `extra` may repeat their value but not change it.
 */
export function mergeCloudConfig(
  base: CloudConfig,
  extra: CloudConfig,
  owned: readonly string[] = [],
  source = 'the extra cloud-config',
): CloudConfig {
  for (const key of owned) {
    if (key in extra && key in base && !sameValue(base[key], extra[key])) {
      throw new ConfigurationError(
        `${capitalize(source)} may not set '${key}': indicovm sets it itself, and changing it would break the ` +
          `build's SSH login or host-key pinning.`,
      );
    }
  }
  return mergeValues(base, extra) as CloudConfig;
}

function mergeValues(base: unknown, extra: unknown): unknown {
  if (Array.isArray(base) && Array.isArray(extra)) return [...base, ...extra];
  if (isPlainObject(base) && isPlainObject(extra)) {
    const merged: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(extra)) {
      merged[key] = key in base ? mergeValues(base[key], value) : value;
    }
    return merged;
  }
  return extra;
}

function checkWriteFiles(files: readonly CloudConfigWriteFile[]): void {
  for (const file of files) {
    if (!file.path.startsWith('/')) {
      throw new ConfigurationError(
        `Invalid write_files path ${JSON.stringify(file.path)}: use an absolute path.`,
      );
    }
    if (!OCTAL_PERMISSIONS.test(file.permissions)) {
      throw new ConfigurationError(
        `Invalid permissions ${JSON.stringify(file.permissions)} for ${file.path}: use octal text such as '0644'.`,
      );
    }
    if (!OWNER.test(file.owner)) {
      throw new ConfigurationError(
        `Invalid owner ${JSON.stringify(file.owner)} for ${file.path}: use 'user' or 'user:group'.`,
      );
    }
    const content = isSecret(file.content) ? file.content.reveal() : file.content;
    const mode = Number.parseInt(file.permissions, 8);
    if (looksLikePrivateKey(content, file.path) && (mode & 0o077) !== 0) {
      throw new ConfigurationError(
        `Refusing permissions ${file.permissions} for the private key ${file.path}: use '0600' or '0400' so ` +
          `that only its owner can read it.`,
      );
    }
  }
}

function looksLikePrivateKey(content: string, path: string): boolean {
  return (
    /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(content) || /\.key$|\/ssh_host_[a-z0-9]+_key$/.test(path)
  );
}

/** A deep copy with every Secret replaced by its value, ready for the YAML writer. */
function revealed(value: unknown): unknown {
  if (isSecret(value)) return value.reveal();
  if (Array.isArray(value)) return value.map(revealed);
  if (isPlainObject(value)) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, item]) => item !== undefined)
        .map(([key, item]) => [key, revealed(item)]),
    );
  }
  return value;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(revealed(a)) === JSON.stringify(revealed(b));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isSecret(value);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** write_files entries from files described with a numeric mode (as the recipe renderer returns them). */
export function toWriteFiles(
  files: readonly {
    readonly path: string;
    readonly mode: number;
    readonly content: Secret | string;
    readonly owner?: string;
  }[],
): CloudConfigWriteFile[] {
  return files.map((file) => ({
    path: file.path,
    content: file.content,
    owner: file.owner ?? 'root:root',
    permissions: `0${(file.mode & 0o7777).toString(8).padStart(3, '0')}`,
  }));
}
