import { PATHS, PLACEHOLDER, type RecipeContext } from './context.js';
import { pythonString, redisString, urlUserInfo } from './escape.js';
import type { Secret } from '../secret.js';

/**
 * indico.conf and the Redis drop-in as templates: a secret given as an option is written in (escaped
 * for its place), a secret left empty becomes a placeholder that the first-boot script fills with a
 * fresh hex value on each instance. Hex needs no escaping anywhere, so the script's substitution is a
 * plain sed.
 */

function inUrl(secret: Secret | undefined, placeholder: string): string {
  return secret === undefined ? placeholder : urlUserInfo(secret.reveal());
}

function literal(secret: Secret | undefined, placeholder: string): string {
  return secret === undefined ? `'${placeholder}'` : pythonString(secret.reveal());
}

export function indicoConfTemplate(ctx: RecipeContext): string {
  const { options: o, installDir: d } = ctx;
  const redisAuth = `:${inUrl(ctx.redisPassword, PLACEHOLDER.redisPassword)}@`;
  const redisBase = `redis://${redisAuth}${o.redisHost.includes(':') ? `[${o.redisHost}]` : o.redisHost}:${o.redisPort}`;
  const dbUri =
    `postgresql://${urlUserInfo(o.dbUser)}:${inUrl(ctx.dbPassword, PLACEHOLDER.dbPassword)}` +
    `@127.0.0.1:5432/${o.dbName}`;
  const staticFileMethod =
    o.webServer === 'nginx'
      ? `(${pythonString('xaccelredirect')}, {${pythonString(d)}: ${pythonString('/.xsf/indico')}})`
      : pythonString('xsendfile');
  const py = pythonString;
  return `# Indico configuration, written by indicovm in place of \`indico setup wizard\`.
# Secrets left empty in the options are generated per instance by ${PATHS.firstbootScript}.

BASE_URL = ${py(ctx.baseUrl)}
USE_PROXY = False

SQLALCHEMY_DATABASE_URI = ${py(dbUri)}
SECRET_KEY = ${literal(ctx.secretKey, PLACEHOLDER.secretKey)}

CELERY_BROKER = ${py(`${redisBase}/0`)}
REDIS_CACHE_URL = ${py(`${redisBase}/1`)}

DEFAULT_TIMEZONE = ${py(o.timezone)}
DEFAULT_LOCALE = 'en_GB'
ENABLE_ROOMBOOKING = False

CACHE_DIR = ${py(`${d}/cache`)}
TEMP_DIR = ${py(`${d}/tmp`)}
LOG_DIR = ${py(`${d}/log`)}
STORAGE_BACKENDS = {'default': ${py(`fs:${d}/archive`)}}
ATTACHMENT_STORAGE = 'default'

SMTP_SERVER = (${py(o.smtpServer)}, ${o.smtpPort})
SMTP_USE_TLS = ${o.smtpUseTls ? 'True' : 'False'}
SMTP_LOGIN = ${py(o.smtpLogin ?? '')}
SMTP_PASSWORD = ${py(o.smtpPassword?.reveal() ?? '')}

SUPPORT_EMAIL = ${py(ctx.supportEmail)}
PUBLIC_SUPPORT_EMAIL = ${py(ctx.supportEmail)}
NO_REPLY_EMAIL = ${py(ctx.noReplyEmail)}

PLUGINS = set()

STATIC_FILE_METHOD = ${staticFileMethod}
`;
}

export function redisDropInTemplate(ctx: RecipeContext): string {
  const password =
    ctx.redisPassword === undefined
      ? `"${PLACEHOLDER.redisPassword}"`
      : redisString(ctx.redisPassword.reveal());
  return `# Redis for Indico, written by indicovm; included last from the distribution's redis.conf.
bind 127.0.0.1
protected-mode yes
port ${ctx.options.redisPort}
requirepass ${password}
`;
}
