# shellcheck shell=sh
# nginx 1.25.1 deprecated `listen … http2` for an `http2 on;` directive, which older nginx (Debian 12,
# Ubuntu, EL 9) does not know. The vhost is rendered in the form every supported nginx reads; at run
# time the script rewrites it to the new form when the installed nginx has the directive (Debian 13),
# so `nginx -t` stays free of warnings on both.
#   nginx_has_http2_directive        true when the installed nginx is 1.25.1 or newer
#   nginx_http2_filter yes|no        stdin → stdout, the vhost in the form for that answer

nginx_has_http2_directive() {
  nginx_version=$(nginx -v 2>&1 | sed -n 's|^nginx version: [^/]*/\([0-9][0-9.]*\).*|\1|p')
  [ -n "$nginx_version" ] && printf '%s\n%s\n' 1.25.1 "$nginx_version" | sort -V -C
}
nginx_http2_filter() {
  if [ "$1" = yes ]; then
    sed -e '/^  listen  *\[::\]:[0-9][0-9]* ssl http2;$/a\
  http2 on;' -e 's/^\(  listen  *[^ ]* ssl\) http2;$/\1;/'
  else
    cat
  fi
}
