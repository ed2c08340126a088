# shellcheck shell=sh
# Step 'Services': starts everything, restarting what a changed file concerns, and lists the units.
# SC2154: the rendered preamble (script.ts), library.sh and the steps before this one set what it
# reads; the check of the rendered script sees every assignment.
# shellcheck disable=SC2154

step 'Services'
if changed "$WEB_CONFIG" "$SSL_CERT" "$SSL_KEY" "$APACHE_CONF" "$EL_PROXY_UWSGI_CONF" /etc/nginx/sites-enabled/default proxy_uwsgi rewrite ssl xsendfile http2; then
  start_service "$WEB_SERVICE" restart
else
  start_service "$WEB_SERVICE"
fi
for unit in "$UWSGI_UNIT" "$CELERY_UNIT" "$CELERY_BEAT_UNIT"; do
  if changed "$INSTALL_DIR/etc/indico.conf" "$INSTALL_DIR/web/indico.wsgi" "$UWSGI_INI" "$UNIT_DIR/$UWSGI_UNIT" "$UNIT_DIR/$CELERY_UNIT" "$UNIT_DIR/$CELERY_BEAT_UNIT"; then start_service "$unit" restart; else start_service "$unit"; fi
done
for unit in "$PG_SERVICE" "$REDIS_SERVICE" "$WEB_SERVICE" "$UWSGI_UNIT" "$CELERY_UNIT" "$CELERY_BEAT_UNIT" "$FIRSTBOOT_UNIT"; do
  note "$(printf '%-28s %-9s %s' "$unit" "$(systemctl is-enabled "$unit" 2>/dev/null || true)" "$(systemctl is-active "$unit" 2>/dev/null || true)")"
done
printf '\nindicovm: the Indico stack is installed; Indico answers at %s\n' "$BASE_URL"
