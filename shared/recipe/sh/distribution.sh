# shellcheck shell=sh
# Step 'Distribution': which family this is, and the service and user names that follow from it.
# SC2154: the rendered preamble (script.ts), library.sh and the steps before this one set what it
# reads; the check of the rendered script sees every assignment.
# shellcheck disable=SC2154
# SC2034: the names are for the steps after this one.
# shellcheck disable=SC2034

if [ "$DETECT_ONLY" = yes ]; then
  detect_os
  printf 'family=%s id=%s version=%s\n' "$OS_FAMILY" "$OS_ID" "$OS_VERSION"
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
