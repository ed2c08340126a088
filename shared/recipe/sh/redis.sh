# shellcheck shell=sh
# Step 'Redis': the distribution's redis.conf includes Indico's drop-in last.
# SC2154: the rendered preamble (script.ts), library.sh and the steps before this one set what it
# reads; the check of the rendered script sees every assignment.
# shellcheck disable=SC2154

step 'Redis'
REDIS_MAIN=
for candidate in /etc/redis/redis.conf /etc/redis.conf; do
  if [ -f "$candidate" ]; then REDIS_MAIN=$candidate; break; fi
done
[ -n "$REDIS_MAIN" ] || die "no redis.conf found in /etc/redis or /etc"
# Included last, so its bind, port and requirepass win over the distribution's.
ensure_line "$REDIS_MAIN" "include $REDIS_DROP_IN"
if changed "$REDIS_MAIN"; then
  start_service "$REDIS_SERVICE" restart
else
  start_service "$REDIS_SERVICE"
fi
