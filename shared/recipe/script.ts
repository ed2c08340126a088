import { quote } from '../shell/quote.js';
import { PATHS, UNITS, type RecipeContext } from './context.js';
import { regexLiteral, sqlIdentifier, sqlString } from './escape.js';
import { hereDocument } from './heredoc.js';
import { pythonSelection, pythonVariables } from './python.js';
import { LIBRARY, SUPPORTED_TEXT, UNSUPPORTED_EXIT } from './script-library.js';
import { shellFile, variableLines } from './sh-file.js';
import { NGINX_HTTP2_SHELL } from './web-server.js';

export interface RecipeFile {
  readonly path: string;
  readonly mode: number;
  readonly content: string;
}

/** The files of the recipe by role; the script writes each one where its step needs it. */
export interface RecipeFiles {
  readonly webServerConfig: RecipeFile;
  readonly dhParams: RecipeFile;
  readonly givenCert: RecipeFile | undefined;
  readonly givenKey: RecipeFile | undefined;
  readonly indicoConfTemplate: RecipeFile;
  readonly redisTemplate: RecipeFile;
  readonly uwsgiIni: RecipeFile;
  readonly units: readonly RecipeFile[];
  readonly firstbootScript: RecipeFile;
  readonly firstbootUnit: RecipeFile;
  readonly selinuxModule: RecipeFile;
}

const TOTAL_STEPS = 14;
export const SELINUX_MODULE = '/etc/indicovm/indicovm.cil';
/** Where the EL Apache branch loads mod_proxy_uwsgi when no file of conf.modules.d does (the EL guide's file). */
export const EL_PROXY_UWSGI_CONF = '/etc/httpd/conf.modules.d/proxy_uwsgi.conf';

function octal(mode: number): string {
  return `0${mode.toString(8)}`;
}

/** put_file with the content as a quoted here-document; `target` is a shell word when the path is decided at run time. */
function put(file: RecipeFile, target = quote(file.path)): string {
  const { delimiter, body } = hereDocument(file.content);
  return `put_file ${target} ${octal(file.mode)} root:root <<'${delimiter}'\n${body}${delimiter}\n`;
}

function header(ctx: RecipeContext): string {
  return `#!/bin/sh
# Indico 3.3 stack for ${ctx.baseUrl}, written by indicovm (render-script).
# Installs PostgreSQL, Redis, ${ctx.options.webServer}, uWSGI and Celery as Indico's production guides do,
# on Debian 12/13, Ubuntu 22.04/24.04 and AlmaLinux/Rocky Linux 9. Safe to run again: it only changes
# what differs. Run as root, over SSH or as cloud-init user-data.
#
#   --detect-only         print the detected distribution family and exit
#   INDICOVM_OS_RELEASE   os-release file to read (default /etc/os-release)
set -eu
umask 022
LC_ALL=C
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL PATH
INDICOVM_OS_RELEASE=\${INDICOVM_OS_RELEASE:-/etc/os-release}
TOTAL_STEPS=${TOTAL_STEPS}
`;
}

/** Every value the .sh files read, assigned once: the files take them as "$NAME", never as code. */
function settings(ctx: RecipeContext, files: RecipeFiles): string {
  const o = ctx.options;
  const variables: [string, string][] = [
    ['WEB_SERVER', o.webServer],
    ['SERVER_NAME', ctx.host],
    ['BASE_URL', ctx.baseUrl],
    ['HTTP_PORT', String(o.httpPort)],
    ['HTTPS_PORT', String(o.httpsPort)],
    ['INSTALL_DIR', ctx.installDir],
    ['INSTALL_DIR_REGEX', regexLiteral(ctx.installDir)],
    ['VENV', ctx.venv],
    ['INDICO_USER', o.indicoUser],
    ['DB_NAME', o.dbName],
    ['DB_USER', o.dbUser],
    ['DB_NAME_LITERAL', sqlString(o.dbName)],
    ['DB_USER_LITERAL', sqlString(o.dbUser)],
    ['DB_NAME_IDENTIFIER', sqlIdentifier(o.dbName)],
    ['DB_USER_IDENTIFIER', sqlIdentifier(o.dbUser)],
    ['SSL_DIR', ctx.sslDir],
    ['SSL_CERT', ctx.certPath],
    ['SSL_KEY', ctx.keyPath],
    ['WEB_CONFIG', files.webServerConfig.path],
    ['WEB_LOG_DIR', o.webServer === 'nginx' ? 'nginx' : 'apache'],
    ['FIREWALL', o.firewall],
    ['STAMP', PATHS.stamp],
    ['CONFIG_DIR', PATHS.configDir],
    ['STATE_DIR', PATHS.stateDir],
    ['HOST_ENV', PATHS.hostEnv],
    ['REDIS_DROP_IN', PATHS.redisDropIn],
    ['FIRSTBOOT_SCRIPT', PATHS.firstbootScript],
    ['UWSGI_INI', PATHS.uwsgiIni],
    ['UNIT_DIR', PATHS.unitDir],
    ['UWSGI_UNIT', UNITS.uwsgi],
    ['CELERY_UNIT', UNITS.celery],
    ['CELERY_BEAT_UNIT', UNITS.celeryBeat],
    ['FIRSTBOOT_UNIT', UNITS.firstboot],
    ['SELINUX_MODULE', SELINUX_MODULE],
    ['EL_PROXY_UWSGI_CONF', EL_PROXY_UWSGI_CONF],
    ...pythonVariables(ctx),
    ['SUPPORTED_TEXT', SUPPORTED_TEXT],
    ['UNSUPPORTED_EXIT', String(UNSUPPORTED_EXIT)],
  ];
  return '# Settings (rendered from the indicovm options).\n' + variableLines(variables);
}

/** SQL for psql on stdin as a quoted here-document: the shell passes a given password through untouched. */
function sqlHereDocument(sql: string): string {
  const { delimiter, body } = hereDocument(sql);
  return `as_postgres >/dev/null <<'${delimiter}'\n${body}${delimiter}\n`;
}

function postgresql(ctx: RecipeContext): string {
  const givenPassword =
    ctx.dbPassword === undefined
      ? `note "the password of role $DB_USER is set per instance (step 'Per-instance secrets')"\n`
      : `${sqlHereDocument(
          `SET password_encryption = 'scram-sha-256';\nALTER ROLE ${sqlIdentifier(ctx.options.dbUser)} PASSWORD ${sqlString(ctx.dbPassword.reveal())};\n`,
        )}note "set the given password of role $DB_USER"\n\n`;
  return shellFile('postgresql.sh', { 'given-password': givenPassword });
}

/** The files the configuration step writes: Indico's, Redis's, uWSGI's, the units and the first boot. */
export function configurationFiles(files: RecipeFiles): RecipeFile[] {
  return [
    files.indicoConfTemplate,
    files.redisTemplate,
    files.uwsgiIni,
    ...files.units,
    files.firstbootScript,
    files.firstbootUnit,
  ];
}

function configuration(files: RecipeFiles): string {
  return shellFile('configuration.sh', {
    files: configurationFiles(files)
      .map((file) => put(file))
      .join(''),
  });
}

function tls(files: RecipeFiles): string {
  const given =
    files.givenCert && files.givenKey
      ? `${put(files.givenCert)}${put(files.givenKey)}note "installed the given certificate"\n`
      : `note "self-signed certificate for $SERVER_NAME (generated per instance): $SSL_CERT"\n`;
  return shellFile('tls.sh', { files: `${put(files.dhParams)}${given}` });
}

function webServer(ctx: RecipeContext, files: RecipeFiles): string {
  const config = files.webServerConfig;
  if (ctx.options.webServer === 'nginx') {
    const vhost = hereDocument(config.content);
    return shellFile('nginx.sh', {
      'nginx-http2': NGINX_HTTP2_SHELL,
      vhost:
        `nginx_http2_filter "$NGINX_HTTP2" > "$vhost_tmp" <<'${vhost.delimiter}'\n${vhost.body}${vhost.delimiter}\n` +
        `put_file ${quote(config.path)} ${octal(config.mode)} root:root < "$vhost_tmp"\n`,
    });
  }
  return shellFile('apache.sh', { vhost: put(config, '"$APACHE_CONF"') });
}

function pythonAndIndico(ctx: RecipeContext): string {
  if (!ctx.options.installIndico) return shellFile('python-indico-skipped.sh');
  return shellFile('python-indico.sh', { 'python-selection': pythonSelection(ctx) });
}

export function provisioningScript(ctx: RecipeContext, files: RecipeFiles): string {
  const installs = ctx.options.installIndico;
  return [
    header(ctx),
    settings(ctx, files),
    LIBRARY,
    shellFile('arguments.sh'),
    shellFile('distribution.sh'),
    shellFile('packages.sh'),
    shellFile('user-and-directories.sh'),
    postgresql(ctx),
    configuration(files),
    shellFile('secrets.sh'),
    shellFile('redis.sh'),
    tls(files),
    webServer(ctx, files),
    pythonAndIndico(ctx),
    shellFile('selinux.sh', { module: put(files.selinuxModule) }),
    shellFile('firewall.sh'),
    shellFile(installs ? 'database-schema.sh' : 'database-schema-skipped.sh'),
    shellFile('services.sh'),
  ].join('\n');
}
