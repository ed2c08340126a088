import { ConfigurationError } from '../errors.js';
import { bareHost, baseUrlFor, urlHost } from '../host-name.js';
import type { Values } from '../options/kinds.js';
import type { recipeOptions } from '../options/catalog/recipe.js';
import { Secret } from '../secret.js';

export type RecipeOptions = Values<typeof recipeOptions>;

/** Placeholders in the config templates for secrets the first-boot unit generates (hex only). */
export const PLACEHOLDER = {
  secretKey: '@INDICOVM_SECRET_KEY@',
  dbPassword: '@INDICOVM_DB_PASSWORD@',
  redisPassword: '@INDICOVM_REDIS_PASSWORD@',
} as const;

/** Fixed places on the VM that the recipe, the first-boot unit, the sealer and `manage` agree on. */
export const PATHS = {
  stateDir: '/var/lib/indicovm',
  stamp: '/var/lib/indicovm/firstboot.done',
  /** `NAME sha256` of each generated secret the last regeneration replaced (hashes of dead secrets, 0600). */
  replacedSecrets: '/var/lib/indicovm/replaced-secrets.sha256',
  configDir: '/etc/indicovm',
  templateDir: '/etc/indicovm/templates',
  hostEnv: '/etc/indicovm/host.env',
  secretsEnv: '/etc/indicovm/secrets.env',
  firstbootScript: '/usr/local/sbin/indicovm-firstboot',
  firstbootUnit: '/etc/systemd/system/indicovm-firstboot.service',
  uwsgiIni: '/etc/uwsgi-indico.ini',
  redisDropIn: '/etc/redis/indico.conf',
  unitDir: '/etc/systemd/system',
} as const;

export const UNITS = {
  uwsgi: 'indico-uwsgi.service',
  celery: 'indico-celery.service',
  celeryBeat: 'indico-celery-beat.service',
  firstboot: 'indicovm-firstboot.service',
} as const;

/** Characters a path may have when it is written unquoted into nginx, Apache, uWSGI, systemd and SELinux files. */
const CONFIG_SAFE_PATH = /^\/[A-Za-z0-9._/-]*$/;

/** Everything the templates need, derived once from the options: one place decides each value. */
export interface RecipeContext {
  readonly options: RecipeOptions;
  readonly host: string;
  /** The host as it appears in a URL (IPv6 in brackets). */
  readonly urlHost: string;
  readonly baseUrl: string;
  readonly installDir: string;
  readonly venv: string;
  readonly sslDir: string;
  readonly certPath: string;
  readonly keyPath: string;
  readonly dhParamPath: string;
  readonly givenCert: { readonly cert: string; readonly key: Secret } | undefined;
  readonly secretKey: Secret | undefined;
  readonly dbPassword: Secret | undefined;
  readonly redisPassword: Secret | undefined;
  readonly supportEmail: string;
  readonly noReplyEmail: string;
}

function safePath(name: string, value: string): string {
  const trimmed = value.length > 1 ? value.replace(/\/+$/, '') : value;
  if (!CONFIG_SAFE_PATH.test(trimmed) || trimmed === '/') {
    throw new ConfigurationError(
      `${name} ${JSON.stringify(value)} must be an absolute path of letters, digits, '.', '_', '-' and '/' (not /): it is written into web server, uWSGI, systemd and SELinux files.`,
    );
  }
  return trimmed;
}

function isPem(text: string, label: RegExp): boolean {
  return new RegExp(`-----BEGIN ${label.source}-----[\\s\\S]+-----END ${label.source}-----`).test(text);
}

function pemText(text: string): string {
  return text.replace(/\r\n/g, '\n').trim() + '\n';
}

export function recipeContext(options: RecipeOptions): RecipeContext {
  const installDir = safePath('install-dir', options.installDir);
  const sslDir = safePath('ssl-dir', options.sslDir);
  if (options.pipFindLinks !== undefined) {
    safePath('pip-find-links', options.pipFindLinks);
    if (options.pythonWheelhouse !== undefined) {
      throw new ConfigurationError(
        'Give python-wheelhouse or pip-find-links, not both (pip finds the wheels in one folder).',
      );
    }
  }
  if (options.httpPort === options.httpsPort) {
    throw new ConfigurationError(`http-port and https-port must differ (both are ${options.httpPort}).`);
  }
  const host = bareHost(options.serverHostname);
  const baseUrl = baseUrlFor(host, options.httpsPort);

  let givenCert: RecipeContext['givenCert'];
  if (options.sslCert !== undefined || options.sslKey !== undefined) {
    if (options.sslCert === undefined || options.sslKey === undefined) {
      throw new ConfigurationError(
        'ssl-cert and ssl-key must be given together (or neither, for a self-signed certificate).',
      );
    }
    if (!isPem(options.sslCert, /CERTIFICATE/)) {
      throw new ConfigurationError('ssl-cert must be a PEM certificate (-----BEGIN CERTIFICATE-----).');
    }
    if (
      options.sslChain !== undefined &&
      options.sslChain.trim() !== '' &&
      !isPem(options.sslChain, /CERTIFICATE/)
    ) {
      throw new ConfigurationError('ssl-chain must be PEM certificates (-----BEGIN CERTIFICATE-----).');
    }
    if (!isPem(options.sslKey.reveal(), /[A-Z ]*PRIVATE KEY/)) {
      throw new ConfigurationError('ssl-key must be a PEM private key (-----BEGIN … PRIVATE KEY-----).');
    }
    const chain = options.sslChain?.trim() ? pemText(options.sslChain) : '';
    givenCert = { cert: pemText(options.sslCert) + chain, key: new Secret(pemText(options.sslKey.reveal())) };
  }

  // An address literal makes no mail domain; the defaults fall back to localhost then.
  const mailDomain = /^[0-9.]+$/.test(host) || host.includes(':') ? 'localhost' : host;
  const given = (secret: Secret | undefined): Secret | undefined =>
    secret !== undefined && secret.length > 0 ? secret : undefined;

  return {
    options,
    host,
    urlHost: urlHost(host),
    baseUrl,
    installDir,
    venv: `${installDir}/.venv`,
    sslDir,
    certPath: `${sslDir}/indico.crt`,
    keyPath: `${sslDir}/indico.key`,
    dhParamPath: `${sslDir}/ffdhe2048`,
    givenCert,
    secretKey: given(options.secretKey),
    dbPassword: given(options.dbPassword),
    redisPassword: given(options.redisPassword),
    supportEmail: options.supportEmail ?? `root@${mailDomain}`,
    noReplyEmail: options.noReplyEmail ?? `noreply@${mailDomain}`,
  };
}
