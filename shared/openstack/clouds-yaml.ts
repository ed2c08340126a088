import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ConfigurationError, errorMessage } from '../errors.js';
import { Secret } from '../secret.js';
import type { AuthSettings } from './auth-settings.js';

/**
 * clouds.yaml and secure.yaml, found and merged the way openstacksdk does: the first file found in
 * $OS_CLIENT_CONFIG_FILE, ./, $XDG_CONFIG_HOME/openstack (or ~/.config/openstack), /etc/openstack;
 * secure.yaml's entry is merged over clouds.yaml's, key by key.
 */

export interface CloudsYamlContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly home?: string;
}

type Entry = Record<string, unknown>;

export function configDirectories(context: CloudsYamlContext): string[] {
  const xdg = context.env.XDG_CONFIG_HOME || join(context.home ?? homedir(), '.config');
  return [context.cwd, join(xdg, 'openstack'), '/etc/openstack'];
}

function firstFile(
  context: CloudsYamlContext,
  override: string | undefined,
  base: string,
): string | undefined {
  const candidates = [
    ...(override ? [override] : []),
    ...configDirectories(context).flatMap((dir) =>
      ['yaml', 'yml', 'json'].map((ext) => join(dir, `${base}.${ext}`)),
    ),
  ];
  return candidates.find((file) => existsSync(file));
}

function readClouds(file: string): Record<string, Entry> {
  let parsed: unknown;
  try {
    parsed = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigurationError(`${file} is not valid YAML: ${errorMessage(error)}`);
  }
  const clouds = (parsed as { clouds?: unknown } | null)?.clouds;
  if (clouds === undefined) {
    return {};
  }
  if (typeof clouds !== 'object' || clouds === null || Array.isArray(clouds)) {
    throw new ConfigurationError(`${file}: 'clouds' must be a mapping of cloud names to settings`);
  }
  return clouds as Record<string, Entry>;
}

/** Deep merge of mappings; values of `over` win, lists and scalars are replaced whole. */
export function mergeEntries(base: Entry, over: Entry): Entry {
  const out: Entry = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isMapping(current) && isMapping(value) ? mergeEntries(current, value) : value;
  }
  return out;
}

function isMapping(value: unknown): value is Entry {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The named cloud's merged entry, and where it came from (for messages). */
export function loadCloudEntry(name: string, context: CloudsYamlContext): { entry: Entry; files: string[] } {
  const cloudsFile = firstFile(context, context.env.OS_CLIENT_CONFIG_FILE, 'clouds');
  const secureFile = firstFile(context, context.env.OS_CLIENT_SECURE_FILE, 'secure');
  const clouds = cloudsFile ? readClouds(cloudsFile) : {};
  const secure = secureFile ? readClouds(secureFile) : {};
  const files = [cloudsFile, secureFile].filter((file): file is string => file !== undefined);
  if (!(name in clouds) && !(name in secure)) {
    const where =
      files.length > 0 ? files.join(' and ') : `no clouds.yaml in ${configDirectories(context).join(', ')}`;
    const known = Object.keys(clouds);
    throw new ConfigurationError(
      `cloud '${name}' is not defined (looked in ${where})` +
        (known.length > 0 ? `; defined clouds: ${known.join(', ')}` : ''),
    );
  }
  const base = clouds[name] ?? {};
  const extra = secure[name] ?? {};
  if (!isMapping(base) || !isMapping(extra)) {
    throw new ConfigurationError(`cloud '${name}' must be a mapping of settings in ${files.join(' and ')}`);
  }
  return { entry: mergeEntries(base, extra), files };
}

const AUTH_TYPES: Record<string, AuthSettings['authType']> = {
  password: 'password',
  v3password: 'password',
  v3applicationcredential: 'applicationCredential',
  token: 'token',
  v3token: 'token',
};

/** A clouds.yaml entry as auth settings: the openstacksdk key names mapped to ours. */
export function settingsFromCloudEntry(name: string, entry: Entry): AuthSettings {
  const auth = isMapping(entry.auth) ? entry.auth : {};
  const text = (value: unknown): string | undefined =>
    typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;
  const secret = (value: unknown): Secret | undefined => {
    const plain = text(value);
    return plain === undefined ? undefined : new Secret(plain);
  };
  const seconds = (value: unknown): number | undefined => {
    const number = Number(text(value));
    if (text(value) !== undefined && !(Number.isFinite(number) && number > 0)) {
      throw new ConfigurationError(
        `cloud '${name}': api_timeout must be a number of seconds (got '${text(value)}')`,
      );
    }
    return text(value) === undefined ? undefined : number;
  };
  const rawType = text(entry.auth_type);
  let authType: AuthSettings['authType'];
  if (rawType !== undefined) {
    authType = AUTH_TYPES[rawType];
    if (authType === undefined) {
      throw new ConfigurationError(
        `cloud '${name}': auth_type '${rawType}' is not supported; use password, v3applicationcredential or token`,
      );
    }
  }
  const verify = entry.verify;
  return {
    authType,
    authUrl: text(auth.auth_url),
    username: text(auth.username),
    userId: text(auth.user_id),
    password: secret(auth.password),
    userDomainName: text(auth.user_domain_name) ?? text(auth.domain_name),
    userDomainId: text(auth.user_domain_id) ?? text(auth.domain_id),
    projectName: text(auth.project_name) ?? text(auth.tenant_name),
    projectId: text(auth.project_id) ?? text(auth.tenant_id),
    projectDomainName: text(auth.project_domain_name) ?? text(auth.domain_name),
    projectDomainId: text(auth.project_domain_id) ?? text(auth.domain_id),
    applicationCredentialId: text(auth.application_credential_id),
    applicationCredentialName: text(auth.application_credential_name),
    applicationCredentialSecret: secret(auth.application_credential_secret),
    token: secret(auth.token),
    regionName: text(entry.region_name),
    interface: text(entry.interface) ?? text(entry.endpoint_type),
    cacert: text(entry.cacert),
    insecure: verify === false || verify === 'false' || verify === 'False' ? true : undefined,
    apiTimeout: seconds(entry.api_timeout),
  };
}
