import { quote } from '../shell/quote.js';
import { PATHS, UNITS, type RecipeContext } from './context.js';
import { regexLiteral, sqlIdentifier, sqlString } from './escape.js';
import { hereDocument } from './heredoc.js';
import { pythonSelection } from './python.js';
import { LIBRARY } from './script-library.js';
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

function settings(ctx: RecipeContext): string {
  const o = ctx.options;
  const lines: [string, string][] = [
    ['WEB_SERVER', o.webServer],
    ['SERVER_NAME', ctx.host],
    ['BASE_URL', ctx.baseUrl],
    ['HTTP_PORT', String(o.httpPort)],
    ['HTTPS_PORT', String(o.httpsPort)],
    ['INSTALL_DIR', ctx.installDir],
    ['VENV', ctx.venv],
    ['INDICO_USER', o.indicoUser],
    ['DB_NAME', o.dbName],
    ['DB_USER', o.dbUser],
    ['SSL_DIR', ctx.sslDir],
    ['SSL_CERT', ctx.certPath],
    ['FIREWALL', o.firewall],
    ['STAMP', PATHS.stamp],
  ];
  return (
    '\n# Settings (rendered from the indicovm options).\n' +
    lines.map(([name, value]) => `${name}=${quote(value)}`).join('\n') +
    '\n'
  );
}

function arguments_(): string {
  return `
DETECT_ONLY=no
case "\${1:-}" in
  '') ;;
  --detect-only) DETECT_ONLY=yes ;;
  -h | --help)
    sed -n '2,9p' "$0"
    exit 0
    ;;
  *) die "unknown argument '$1' (allowed: --detect-only, --help)" ;;
esac
`;
}

function detection(): string {
  return `
if [ "$DETECT_ONLY" = yes ]; then
  detect_os
  printf 'family=%s id=%s version=%s\\n' "$OS_FAMILY" "$OS_ID" "$OS_VERSION"
  exit 0
fi

[ "$(id -u)" -eq 0 ] || die "run this script as root"
# psql runs as postgres and indico as its user: start where every user may be.
cd /

step 'Distribution'
detect_os
note "$OS_ID $OS_VERSION ($OS_FAMILY family)"
if [ "$OS_FAMILY" = debian ]; then
  PG_SERVICE=postgresql
  REDIS_SERVICE=redis-server
  if [ "$WEB_SERVER" = nginx ]; then WEB_SERVICE=nginx; WEB_USER=www-data; else WEB_SERVICE=apache2; WEB_USER=www-data; fi
else
  PG_SERVICE=postgresql
  REDIS_SERVICE=redis
  if [ "$WEB_SERVER" = nginx ]; then WEB_SERVICE=nginx; WEB_USER=nginx; else WEB_SERVICE=httpd; WEB_USER=apache; fi
fi
REDIS_GROUP=redis
APACHE_CONF=
`;
}

function packages(): string {
  return `
step 'System packages'
if [ "$OS_FAMILY" = debian ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  set -- postgresql postgresql-contrib redis-server openssl ca-certificates
  if [ "$WEB_SERVER" = nginx ]; then set -- "$@" nginx; else set -- "$@" apache2 libapache2-mod-xsendfile; fi
  if [ "$FIREWALL" = ufw ]; then set -- "$@" ufw; fi
  if [ "$FIREWALL" = nftables ]; then set -- "$@" nftables; fi
  if [ "$FIREWALL" = firewalld ]; then set -- "$@" firewalld; fi
  apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=900 "$@"
else
  dnf install -y -q epel-release dnf-plugins-core
  dnf config-manager --set-enabled crb
  # Indico's EL guide takes PostgreSQL 16; the AppStream module stream gives it without an extra repository.
  if ! rpm -q postgresql-server >/dev/null 2>&1; then
    dnf module enable -y -q postgresql:16 || note "postgresql:16 module stream not available: using the default PostgreSQL"
  fi
  set -- postgresql-server postgresql-contrib redis openssl policycoreutils-python-utils
  if [ "$WEB_SERVER" = nginx ]; then set -- "$@" nginx; else set -- "$@" httpd mod_ssl mod_xsendfile; fi
  if [ "$FIREWALL" = firewalld ]; then set -- "$@" firewalld; fi
  dnf install -y -q "$@"
fi
`;
}

function userAndDirectories(ctx: RecipeContext): string {
  const logDir = ctx.options.webServer === 'nginx' ? 'nginx' : 'apache';
  return `
step 'Indico user and directories'
getent group "$INDICO_USER" >/dev/null || { groupadd --system "$INDICO_USER"; note "created group $INDICO_USER"; }
if ! id -u "$INDICO_USER" >/dev/null 2>&1; then
  useradd --system --gid "$INDICO_USER" --home-dir "$INSTALL_DIR" --no-create-home --shell /bin/bash "$INDICO_USER"
  note "created user $INDICO_USER"
fi
# The web server reads static files and the uWSGI socket through the Indico group.
if ! id -nG "$WEB_USER" | tr ' ' '\\n' | grep -qxF "$INDICO_USER"; then
  usermod -a -G "$INDICO_USER" "$WEB_USER"
  note "added $WEB_USER to group $INDICO_USER"
fi
for dir in "$INSTALL_DIR" "$INSTALL_DIR/etc" "$INSTALL_DIR/archive" "$INSTALL_DIR/cache" "$INSTALL_DIR/log" \\
  "$INSTALL_DIR/log/${logDir}" "$INSTALL_DIR/tmp" "$INSTALL_DIR/web"; do
  [ -d "$dir" ] || { mkdir -p "$dir"; note "created $dir"; }
  chown "$INDICO_USER:$INDICO_USER" "$dir"
done
chmod 710 "$INSTALL_DIR" "$INSTALL_DIR/archive" "$INSTALL_DIR/cache" "$INSTALL_DIR/log" "$INSTALL_DIR/tmp"
# indico.conf holds the secrets: the web server, in Indico's group, must not enter etc (the guide's 700).
chmod 700 "$INSTALL_DIR/etc"
chmod 750 "$INSTALL_DIR/web"
chmod 770 "$INSTALL_DIR/log/${logDir}"
`;
}

/** SQL for psql on stdin as a quoted here-document: the shell passes a given password through untouched. */
function sqlHereDocument(sql: string): string {
  const { delimiter, body } = hereDocument(sql);
  return `as_postgres >/dev/null <<'${delimiter}'\n${body}${delimiter}\n`;
}

function postgresql(ctx: RecipeContext): string {
  const o = ctx.options;
  const hbaLines = [
    `host ${o.dbName} ${o.dbUser} 127.0.0.1/32 scram-sha-256`,
    `host ${o.dbName} ${o.dbUser} ::1/128 scram-sha-256`,
  ];
  const givenPassword =
    ctx.dbPassword === undefined
      ? `note "the password of role $DB_USER is set per instance (step 'Per-instance secrets')"`
      : `${sqlHereDocument(
          `SET password_encryption = 'scram-sha-256';\nALTER ROLE ${sqlIdentifier(o.dbUser)} PASSWORD ${sqlString(ctx.dbPassword.reveal())};\n`,
        )}note "set the given password of role $DB_USER"\n`;
  return `
step 'PostgreSQL'
if [ "$OS_FAMILY" = el ] && [ ! -s /var/lib/pgsql/data/PG_VERSION ]; then
  postgresql-setup --initdb
fi
start_service "$PG_SERVICE"
tries=0
until as_postgres -c 'SELECT 1' >/dev/null 2>&1; do
  tries=$((tries + 1))
  [ "$tries" -lt 60 ] || die "PostgreSQL did not answer within 60 s"
  sleep 1
done
# Indico connects over TCP to 127.0.0.1 with a password; put its rule before the distribution's
# (EL's default for 127.0.0.1 is ident, which a password cannot pass).
HBA_FILE=$(as_postgres -c 'SHOW hba_file')
if ! grep -qxF ${quote(hbaLines[0]!)} "$HBA_FILE"; then
  hba_tmp=$(mktemp "$HBA_FILE.indicovm.XXXXXX")
  { printf '%s\\n' '# Indico (indicovm)' ${quote(hbaLines[0]!)} ${quote(hbaLines[1]!)}; cat "$HBA_FILE"; } > "$hba_tmp"
  chown postgres:postgres "$hba_tmp"
  chmod 640 "$hba_tmp"
  mv -f "$hba_tmp" "$HBA_FILE"
  as_postgres -c 'SELECT pg_reload_conf()' >/dev/null
  note "allowed $DB_USER to reach $DB_NAME over 127.0.0.1 with a password"
fi
if [ "$(as_postgres -c ${quote(`SELECT 1 FROM pg_roles WHERE rolname = ${sqlString(o.dbUser)}`)})" != 1 ]; then
  as_postgres -c ${quote(`CREATE ROLE ${sqlIdentifier(o.dbUser)} LOGIN`)} >/dev/null
  note "created role $DB_USER"
fi
if [ "$(as_postgres -c ${quote(`SELECT 1 FROM pg_database WHERE datname = ${sqlString(o.dbName)}`)})" != 1 ]; then
  as_postgres -c ${quote(`CREATE DATABASE ${sqlIdentifier(o.dbName)} OWNER ${sqlIdentifier(o.dbUser)}`)} >/dev/null
  note "created database $DB_NAME"
fi
for extension in unaccent pg_trgm; do
  if [ "$(as_postgres -d "$DB_NAME" -c "SELECT 1 FROM pg_extension WHERE extname = '$extension'")" != 1 ]; then
    as_postgres -d "$DB_NAME" -c "CREATE EXTENSION $extension" >/dev/null
    note "created extension $extension"
  fi
done
${givenPassword}
`;
}

function configuration(files: RecipeFiles): string {
  const units = files.units.map((unit) => put(unit)).join('');
  return `
step 'Configuration files and systemd units'
mkdir -p ${quote(PATHS.configDir)} ${quote(PATHS.stateDir)}
chmod 700 ${quote(PATHS.configDir)}
# Facts about this machine that the first-boot script reads.
put_file ${quote(PATHS.hostEnv)} 0600 root:root <<INDICOVM_EOF
REDIS_SERVICE=$REDIS_SERVICE
REDIS_GROUP=$REDIS_GROUP
REDIS_DROP_IN=${PATHS.redisDropIn}
WEB_SERVICE=$WEB_SERVICE
PG_SERVICE=$PG_SERVICE
INDICOVM_EOF
${put(files.indicoConfTemplate)}${put(files.redisTemplate)}${put(files.uwsgiIni)}${units}${put(files.firstbootScript)}${put(files.firstbootUnit)}systemctl daemon-reload
systemctl enable --quiet ${UNITS.firstboot} ${UNITS.uwsgi} ${UNITS.celery} ${UNITS.celeryBeat}
note "enabled ${UNITS.firstboot}, ${UNITS.uwsgi}, ${UNITS.celery} and ${UNITS.celeryBeat}"
`;
}

function secrets(): string {
  return `
step 'Per-instance secrets'
# The same logic as ${UNITS.firstboot}: on a first run it generates this instance's secrets
# (and writes the stamp, so the unit does not repeat it on the next boot); on later runs it only
# re-renders the configs from the stored secrets. Sealing an image deletes the stamp.
if [ -e "$STAMP" ]; then
  ${PATHS.firstbootScript} apply
else
  ${PATHS.firstbootScript} regenerate
fi
`;
}

function redis(): string {
  return `
step 'Redis'
REDIS_MAIN=
for candidate in /etc/redis/redis.conf /etc/redis.conf; do
  if [ -f "$candidate" ]; then REDIS_MAIN=$candidate; break; fi
done
[ -n "$REDIS_MAIN" ] || die "no redis.conf found in /etc/redis or /etc"
# Included last, so its bind, port and requirepass win over the distribution's.
ensure_line "$REDIS_MAIN" 'include ${PATHS.redisDropIn}'
if changed "$REDIS_MAIN"; then
  start_service "$REDIS_SERVICE" restart
else
  start_service "$REDIS_SERVICE"
fi
`;
}

function tls(files: RecipeFiles): string {
  const given =
    files.givenCert && files.givenKey
      ? `${put(files.givenCert)}${put(files.givenKey)}note "installed the given certificate"\n`
      : `note "self-signed certificate for $SERVER_NAME (generated per instance): $SSL_CERT"\n`;
  return `
step 'TLS certificate'
mkdir -p "$SSL_DIR"
chown root:root "$SSL_DIR"
chmod 700 "$SSL_DIR"
${put(files.dhParams)}${given}`;
}

function webServer(ctx: RecipeContext, files: RecipeFiles): string {
  if (ctx.options.webServer === 'nginx') {
    const vhost = hereDocument(files.webServerConfig.content);
    return `
step 'Web server (nginx)'
${NGINX_HTTP2_SHELL}if nginx_has_http2_directive; then NGINX_HTTP2=yes; else NGINX_HTTP2=no; fi
vhost_tmp=$(mktemp)
nginx_http2_filter "$NGINX_HTTP2" > "$vhost_tmp" <<'${vhost.delimiter}'
${vhost.body}${vhost.delimiter}
put_file ${quote(files.webServerConfig.path)} ${octal(files.webServerConfig.mode)} root:root < "$vhost_tmp"
rm -f "$vhost_tmp"
[ "$NGINX_HTTP2" = no ] || note "nginx $nginx_version: HTTP/2 with the http2 directive"
# The distribution's default site would take requests for other host names on port 80.
if [ -L /etc/nginx/sites-enabled/default ]; then
  rm -f /etc/nginx/sites-enabled/default
  CHANGED_FILES="$CHANGED_FILES/etc/nginx/sites-enabled/default "
  note "disabled the default nginx site"
fi
nginx -t
`;
  }
  return `
step 'Web server (Apache)'
if [ "$OS_FAMILY" = debian ]; then
  APACHE_CONF=/etc/apache2/sites-available/indico.conf
else
  APACHE_CONF=/etc/httpd/conf.d/indico.conf
fi
${put(files.webServerConfig, '"$APACHE_CONF"')}# The vhost's DocumentRoot: an empty folder, so nothing is served from disk but the static aliases.
[ -d /var/empty/apache ] || mkdir -p /var/empty/apache
if [ "$OS_FAMILY" = debian ]; then
  for module in proxy_uwsgi rewrite ssl xsendfile http2; do
    [ -e "/etc/apache2/mods-enabled/$module.load" ] || { a2enmod -q "$module" >/dev/null; CHANGED_FILES="$CHANGED_FILES$module "; note "enabled module $module"; }
  done
  [ ! -e /etc/apache2/sites-enabled/000-default.conf ] || { a2dissite -q 000-default >/dev/null; note "disabled site 000-default"; }
  [ -e /etc/apache2/sites-enabled/indico.conf ] || { a2ensite -q indico >/dev/null; CHANGED_FILES="$CHANGED_FILES$APACHE_CONF "; note "enabled site indico"; }
  apache2ctl configtest
else
  # Indico's EL guide loads mod_proxy_uwsgi from a file of its own; not a second time if httpd already does.
  if ! grep -qsE '^[[:space:]]*LoadModule[[:space:]]+proxy_uwsgi_module[[:space:]]' /etc/httpd/conf.modules.d/*.conf; then
    put_file ${EL_PROXY_UWSGI_CONF} 0644 root:root <<'INDICOVM_EOF'
LoadModule proxy_uwsgi_module modules/mod_proxy_uwsgi.so
INDICOVM_EOF
  fi
  apachectl configtest
fi
`;
}

function pythonAndIndico(ctx: RecipeContext): string {
  const o = ctx.options;
  if (!o.installIndico) {
    return `
step 'Python ${o.pythonVersion} and Indico'
loud 'SKIPPED: Python ${o.pythonVersion}, pip install of Indico and "indico db prepare"' \\
  '(install-indico is false). The uWSGI and Celery units are installed and enabled' \\
  "but stay inactive until $VENV/bin/indico and $VENV/bin/uwsgi exist."
`;
  }
  const requirement = `indico${/^[0-9]/.test(o.indicoVersion) ? '==' : ''}${o.indicoVersion.replace(/\s+/g, '')}`;
  return `
step 'Python ${o.pythonVersion} and Indico'
INDICO_REQUIREMENT=${quote(requirement)}
# Build dependencies from Indico's guides (uWSGI and some wheels compile).
if [ "$OS_FAMILY" = debian ]; then
  set -- build-essential git libpq-dev libxslt1-dev libxml2-dev libffi-dev libpcre2-dev libyaml-dev libssl-dev \\
    zlib1g-dev libbz2-dev libreadline-dev libsqlite3-dev xz-utils liblzma-dev uuid-dev libpango1.0-dev \\
    python3 python3-venv python3-dev
  if [ "$OS_ID" = ubuntu ]; then set -- "$@" libjpeg-turbo8-dev; else set -- "$@" libjpeg62-turbo-dev; fi
  apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=900 "$@"
else
  dnf install -y -q git gcc make libjpeg-turbo-devel libxslt-devel libxml2-devel libffi-devel pcre-devel \\
    libyaml-devel zlib-devel bzip2 bzip2-devel readline-devel sqlite sqlite-devel openssl-devel xz xz-devel \\
    findutils libuuid-devel tar pango libpq-devel python3 python3.12 python3.12-devel
fi
${pythonSelection(ctx)}if [ ! -x "$VENV/bin/python" ]; then
  as_indico "$PYTHON" -m venv --upgrade-deps --prompt indico "$VENV"
  note "created $VENV"
fi
as_indico "$VENV/bin/pip" install -q setuptools wheel
as_indico "$VENV/bin/pip" install -q uwsgi
as_indico "$VENV/bin/pip" install -q "$INDICO_REQUIREMENT"
note "installed $("$VENV/bin/pip" show indico 2>/dev/null | sed -n 's/^Version: /indico /p')"
# What 'indico setup wizard' would create next to indico.conf.
INDICO_PACKAGE=$("$VENV/bin/python" -c 'import indico, os; print(os.path.dirname(indico.__file__))')
if [ "$(readlink "$INSTALL_DIR/web/static" 2>/dev/null || true)" != "$INDICO_PACKAGE/web/static" ]; then
  ln -sfn "$INDICO_PACKAGE/web/static" "$INSTALL_DIR/web/static"
  note "linked $INSTALL_DIR/web/static"
fi
put_file "$INSTALL_DIR/web/indico.wsgi" 0640 "$INDICO_USER:$INDICO_USER" < "$INDICO_PACKAGE/web/indico.wsgi"
if [ ! -e "$INSTALL_DIR/etc/logging.yaml" ] && [ -e "$INDICO_PACKAGE/logging.yaml.sample" ]; then
  put_file "$INSTALL_DIR/etc/logging.yaml" 0640 "root:$INDICO_USER" < "$INDICO_PACKAGE/logging.yaml.sample"
fi
ln -sfn "$INSTALL_DIR/etc/indico.conf" "$INSTALL_DIR/.indico.conf"
chown -h "$INDICO_USER:$INDICO_USER" "$INSTALL_DIR/.indico.conf"
chmod 750 "$VENV"
`;
}

function selinux(ctx: RecipeContext, files: RecipeFiles): string {
  const r = regexLiteral(ctx.installDir);
  const logDir = ctx.options.webServer === 'nginx' ? 'nginx' : 'apache';
  const contexts: [string, string][] = [
    ['httpd_sys_rw_content_t', `${r}/web/uwsgi\\.sock`],
    ['httpd_log_t', `${r}/log/${logDir}(/.*)?`],
  ];
  return `
step 'SELinux'
if [ "$OS_FAMILY" = el ] && command -v getenforce >/dev/null 2>&1 && [ "$(getenforce)" != Disabled ]; then
  for spec in ${contexts.map(([type, path]) => quote(`${type} ${path}`)).join(' ')}; do
    selinux_type=\${spec%% *}
    selinux_path=\${spec#* }
    if ! semanage fcontext -l -C | grep -qF "$selinux_path "; then
      semanage fcontext -a -t "$selinux_type" "$selinux_path"
      note "file context $selinux_type for $selinux_path"
    fi
  done
  for port in "$HTTP_PORT" "$HTTPS_PORT"; do
    if ! semanage port -l | awk '$1 == "http_port_t" && $2 == "tcp"' | tr -s ', ' '\\n' | grep -qxF "$port"; then
      semanage port -a -t http_port_t -p tcp "$port" 2>/dev/null || semanage port -m -t http_port_t -p tcp "$port"
      note "allowed the web server on port $port"
    fi
  done
${put(files.selinuxModule)}  if changed ${SELINUX_MODULE} || ! semodule -l | grep -qxF indicovm; then
    semodule -i ${SELINUX_MODULE}
    note "loaded SELinux module indicovm"
  fi
  restorecon -R "$INSTALL_DIR" "$SSL_DIR"
  note "SELinux stays $(getenforce)"
else
  note "not an SELinux system: nothing to do"
fi
`;
}

function firewall(): string {
  return `
step 'Firewall'
firewall_kind=$FIREWALL
if [ "$firewall_kind" = auto ]; then
  firewall_kind=none
  if [ "$OS_FAMILY" = el ]; then
    if command -v firewall-cmd >/dev/null 2>&1; then firewall_kind=firewalld; fi
  elif command -v ufw >/dev/null 2>&1 && ufw status 2>/dev/null | grep -q '^Status: active'; then
    firewall_kind=ufw
  elif command -v nft >/dev/null 2>&1 && systemctl is-active --quiet nftables 2>/dev/null; then
    firewall_kind=nftables
  fi
fi
case "$firewall_kind" in
  firewalld)
    for port in "$HTTP_PORT" "$HTTPS_PORT"; do
      if systemctl is-active --quiet firewalld; then
        firewall-cmd --quiet --query-port="$port/tcp" --permanent || { firewall-cmd --quiet --permanent --add-port="$port/tcp"; note "opened $port/tcp"; }
        firewall-cmd --quiet --query-port="$port/tcp" || firewall-cmd --quiet --add-port="$port/tcp"
      else
        firewall-offline-cmd --quiet --query-port="$port/tcp" || { firewall-offline-cmd --quiet --add-port="$port/tcp"; note "opened $port/tcp (firewalld not running)"; }
      fi
    done
    ;;
  ufw)
    for port in "$HTTP_PORT" "$HTTPS_PORT"; do
      ufw status | grep -qE "^$port/tcp +ALLOW" || { ufw allow "$port/tcp" >/dev/null; note "opened $port/tcp"; }
    done
    ;;
  nftables)
    # A table of our own: it only accepts, so a drop policy elsewhere still decides the rest.
    put_file /etc/nftables.d/indicovm.nft 0644 root:root <<INDICOVM_EOF
table inet indicovm {
  chain input {
    type filter hook input priority -10; policy accept;
    tcp dport { $HTTP_PORT, $HTTPS_PORT } accept
  }
}
INDICOVM_EOF
    ensure_line /etc/nftables.conf 'include "/etc/nftables.d/indicovm.nft"'
    if changed /etc/nftables.d/indicovm.nft || ! nft list table inet indicovm >/dev/null 2>&1; then
      # Only our table is replaced; reloading all of /etc/nftables.conf would flush other rules.
      nft delete table inet indicovm 2>/dev/null || true
      nft -f /etc/nftables.d/indicovm.nft
      note "opened $HTTP_PORT/tcp and $HTTPS_PORT/tcp"
    fi
    ;;
  none) note "no active firewall to open: nothing to do" ;;
esac
`;
}

function databaseSchema(ctx: RecipeContext): string {
  if (!ctx.options.installIndico) {
    return `
step 'Database schema'
loud 'SKIPPED: "indico db prepare" (install-indico is false).'
`;
  }
  return `
step 'Database schema'
if [ "$(as_postgres -d "$DB_NAME" -c "SELECT to_regclass('public.alembic_version') IS NOT NULL")" = t ]; then
  note "database $DB_NAME is already prepared"
else
  runuser -u "$INDICO_USER" -- env HOME="$INSTALL_DIR" INDICO_CONFIG="$INSTALL_DIR/etc/indico.conf" "$VENV/bin/indico" db prepare
  note "prepared database $DB_NAME"
fi
`;
}

function services(ctx: RecipeContext, files: RecipeFiles): string {
  const webFiles = [files.webServerConfig.path, ctx.certPath, ctx.keyPath]
    .concat(files.givenCert ? [files.givenCert.path] : [])
    .map(quote)
    .join(' ');
  const indicoFiles = [
    `${ctx.installDir}/etc/indico.conf`,
    `${ctx.installDir}/web/indico.wsgi`,
    PATHS.uwsgiIni,
  ]
    .concat(files.units.map((unit) => unit.path))
    .map(quote)
    .join(' ');
  return `
step 'Services'
if changed ${webFiles} "$APACHE_CONF" ${EL_PROXY_UWSGI_CONF} /etc/nginx/sites-enabled/default proxy_uwsgi rewrite ssl xsendfile http2; then
  start_service "$WEB_SERVICE" restart
else
  start_service "$WEB_SERVICE"
fi
for unit in ${UNITS.uwsgi} ${UNITS.celery} ${UNITS.celeryBeat}; do
  if changed ${indicoFiles}; then start_service "$unit" restart; else start_service "$unit"; fi
done
for unit in "$PG_SERVICE" "$REDIS_SERVICE" "$WEB_SERVICE" ${UNITS.uwsgi} ${UNITS.celery} ${UNITS.celeryBeat} ${UNITS.firstboot}; do
  note "$(printf '%-28s %-9s %s' "$unit" "$(systemctl is-enabled "$unit" 2>/dev/null || true)" "$(systemctl is-active "$unit" 2>/dev/null || true)")"
done
printf '\\nindicovm: the Indico stack is installed; Indico answers at %s\\n' "$BASE_URL"
`;
}

export function provisioningScript(ctx: RecipeContext, files: RecipeFiles): string {
  return [
    header(ctx),
    settings(ctx),
    '\n' + LIBRARY,
    arguments_(),
    detection(),
    packages(),
    userAndDirectories(ctx),
    postgresql(ctx),
    configuration(files),
    secrets(),
    redis(),
    tls(files),
    webServer(ctx, files),
    pythonAndIndico(ctx),
    selinux(ctx, files),
    firewall(),
    databaseSchema(ctx),
    services(ctx, files),
  ].join('');
}
