# shellcheck shell=sh
# Step 'Web server (nginx)': the renderer puts nginx-http2.sh and the vhost (a here-document through
# nginx_http2_filter into vhost_tmp, then put_file) at the slots.
# SC2154: the rendered preamble (script.ts), library.sh and the steps before this one set what it
# reads; the check of the rendered script sees every assignment.
# shellcheck disable=SC2154

step 'Web server (nginx)'
#@ nginx-http2
if nginx_has_http2_directive; then NGINX_HTTP2=yes; else NGINX_HTTP2=no; fi
vhost_tmp=$(mktemp)
#@ vhost
rm -f "$vhost_tmp"
[ "$NGINX_HTTP2" = no ] || note "nginx $nginx_version: HTTP/2 with the http2 directive"
# The distribution's default site would take requests for other host names on port 80.
if [ -L /etc/nginx/sites-enabled/default ]; then
  rm -f /etc/nginx/sites-enabled/default
  CHANGED_FILES="$CHANGED_FILES/etc/nginx/sites-enabled/default "
  note "disabled the default nginx site"
fi
nginx -t
