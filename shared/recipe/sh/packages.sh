# shellcheck shell=sh
# Step 'System packages': the distribution's PostgreSQL, Redis, web server and firewall.
# SC2154: the rendered preamble (script.ts), library.sh and the steps before this one set what it
# reads; the check of the rendered script sees every assignment.
# shellcheck disable=SC2154

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
