# shellcheck shell=bash
# Shared by start.sh and stop.sh: where the state lives and which processes are ours.

OSL_STATE_DIR=${OSL_STATE_DIR:-/tmp/indicovm-openstack}
# The path goes verbatim into INI files, SQLite URLs and process command lines.
if [[ ! $OSL_STATE_DIR =~ ^/[A-Za-z0-9._/+-]+$ || $OSL_STATE_DIR == / ]]; then
  echo "OSL_STATE_DIR must be an absolute path of letters, digits and ._/+- (got '$OSL_STATE_DIR')" >&2
  exit 2
fi
OSL_STATE_DIR=${OSL_STATE_DIR%/}
export OSL_STATE_DIR
RUN_DIR=$OSL_STATE_DIR/run
# shellcheck disable=SC2034 # used by the scripts that source this file
SERVICES=(keystone glance placement nova neutron cinder)

# Print the pid recorded for service $1 if that process is still ours: its command line names the
# state dir (every service is started with a config path inside it), so a recycled pid is ignored.
service_pid() {
  local pid cmdline
  [[ -r $RUN_DIR/$1.pid ]] || return 1
  pid=$(<"$RUN_DIR/$1.pid")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  cmdline=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 1
  [[ $cmdline == *"$OSL_STATE_DIR/"* ]] || return 1
  echo "$pid"
}

# Process groups (given as leader pids) that still have a live, non-zombie member.
live_groups() {
  (($# > 0)) || return 0
  ps -e -o pgid=,stat= | awk -v want=" $* " '
    index(want, " " $1 " ") && $2 !~ /^Z/ { alive[$1] = 1 }
    END { for (g in alive) print g }'
}
