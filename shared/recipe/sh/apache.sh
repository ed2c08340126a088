# shellcheck shell=sh
# Step 'Web server (Apache)': the renderer puts the vhost (put_file to $APACHE_CONF) at the slot.
# SC2154: the rendered preamble (script.ts), library.sh and the steps before this one set what it
# reads; the check of the rendered script sees every assignment.
# shellcheck disable=SC2154

step 'Web server (Apache)'
if [ "$OS_FAMILY" = debian ]; then
  APACHE_CONF=/etc/apache2/sites-available/indico.conf
else
  APACHE_CONF=/etc/httpd/conf.d/indico.conf
fi
#@ vhost
# The vhost's DocumentRoot: an empty folder, so nothing is served from disk but the static aliases.
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
    put_file "$EL_PROXY_UWSGI_CONF" 0644 root:root <<'INDICOVM_EOF'
LoadModule proxy_uwsgi_module modules/mod_proxy_uwsgi.so
INDICOVM_EOF
  fi
  apachectl configtest
fi
