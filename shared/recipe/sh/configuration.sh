# shellcheck shell=sh
# Step 'Configuration files and systemd units': the facts the first-boot script reads, then (at the
# slot, rendered) the config templates, units and first-boot script, then the units enabled.
# SC2154: the rendered preamble (script.ts), library.sh and the steps before this one set what it
# reads; the check of the rendered script sees every assignment.
# shellcheck disable=SC2154

step 'Configuration files and systemd units'
mkdir -p "$CONFIG_DIR" "$STATE_DIR"
chmod 700 "$CONFIG_DIR"
# Facts about this machine that the first-boot script reads.
put_file "$HOST_ENV" 0600 root:root <<INDICOVM_EOF
REDIS_SERVICE=$REDIS_SERVICE
REDIS_GROUP=$REDIS_GROUP
REDIS_DROP_IN=$REDIS_DROP_IN
WEB_SERVICE=$WEB_SERVICE
PG_SERVICE=$PG_SERVICE
INDICOVM_EOF
#@ files
systemctl daemon-reload
systemctl enable --quiet "$FIRSTBOOT_UNIT" "$UWSGI_UNIT" "$CELERY_UNIT" "$CELERY_BEAT_UNIT"
note "enabled $FIRSTBOOT_UNIT, $UWSGI_UNIT, $CELERY_UNIT and $CELERY_BEAT_UNIT"
