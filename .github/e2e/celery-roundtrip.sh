#!/bin/sh
# A Celery round trip in the build VM: `indico celery inspect ping` broadcasts through the broker that
# indico.conf names (Redis, with its password) and waits for the worker to answer, so it shows the
# worker runs and shares the web side's configuration. Indico's own CLI, as the Indico user.
set -eu
install=/opt/indico
user=$(stat -c %U "$install")
out=
for _ in $(seq 1 30); do
  if out=$(runuser -u "$user" -- env HOME="$install" INDICO_CONFIG="$install/etc/indico.conf" \
    "$install/.venv/bin/indico" celery inspect ping --timeout 5 2>&1); then
    case $out in *pong*)
      echo "Celery answered through the broker: $out"
      exit 0
      ;;
    esac
  fi
  sleep 2
done
echo "No Celery worker answered through the broker within a minute: $out" >&2
exit 1
