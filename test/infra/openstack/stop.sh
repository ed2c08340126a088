#!/usr/bin/env bash
# Stop the loopback OpenStack test cloud started by start.sh (same OSL_STATE_DIR).
#
#   stop.sh           TERM every service's process group at once, wait, KILL what is left.
#                     The state (DBs, images, configs, logs) stays: start.sh restarts on it.
#   stop.sh --purge   also delete the state dir.
#
#   OSL_STOP_TIMEOUT  seconds between TERM and KILL (default 15; Nova's graceful shutdown is 5 s)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=common.sh
# shellcheck source=common.sh
. "$HERE/common.sh"
S=$OSL_STATE_DIR

purge=0
case ${1:-} in
--purge) purge=1 ;;
'') ;;
*)
  echo "usage: stop.sh [--purge]" >&2
  exit 2
  ;;
esac

groups=()
for name in "${SERVICES[@]}"; do
  if pid=$(service_pid "$name"); then
    groups+=("$pid")
    # Each service is a session leader (setsid), so its pid is its process group id.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  fi
done

if ((${#groups[@]} > 0)); then
  deadline=$((SECONDS + ${OSL_STOP_TIMEOUT:-15}))
  while [[ -n $(live_groups "${groups[@]}") ]] && ((SECONDS < deadline)); do
    sleep 0.1
  done
  for pid in $(live_groups "${groups[@]}"); do
    echo "stop.sh: process group $pid ignored TERM; sending KILL" >&2
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
fi
rm -f "$RUN_DIR"/*.pid "$RUN_DIR"/*.port "$RUN_DIR"/*.ready "$RUN_DIR/ready" "$RUN_DIR/nova.network"
echo "stop.sh: stopped ${#groups[@]} service(s) in $S"

if ((purge)); then
  # Only delete what looks like a state dir made by start.sh.
  if [[ -d $S/run && -d $S/etc ]]; then
    rm -rf -- "$S"
    echo "stop.sh: removed $S"
  elif [[ -e $S ]]; then
    echo "stop.sh: $S does not look like a start.sh state dir; not removing it" >&2
    exit 1
  fi
fi
