#!/usr/bin/env bash
# Start the loopback OpenStack test cloud: Keystone, Glance, Placement, Nova (fake driver), Neutron
# and Cinder from Debian 12's python3-* packages, on 127.0.0.1 only, with SQLite state in one directory.
#
#   OSL_STATE_DIR       state dir (default /tmp/indicovm-openstack): configs, DBs, images, logs, pids
#   OSL_KEYSTONE_PORT   5000    OSL_GLANCE_PORT 9292    OSL_PLACEMENT_PORT 8778    OSL_NOVA_PORT 8774
#   OSL_NEUTRON_PORT    9696    OSL_CINDER_PORT 8776
#   OSL_NEUTRON         1 (default): real Neutron API (python3-neutron, ML2 + router, no agents);
#                       0: no Neutron, Nova uses its in-process NeutronFixture stand-in instead
#   OSL_CINDER          1 (default): real Cinder v3 API (python3-cinder; scheduler and a fake
#                       file-backed volume backend in the same process); 0: no block storage
#   OSL_GLANCE_IMAGE_SIZE_CAP   bytes (default 1 TiB, Glance's own default)
#   OSL_READY_TIMEOUT   seconds to wait for each service (default 180)
#
# Idempotent: with everything already running this only checks and reprints the facts; after
# stop.sh it restarts on the existing state. Writes $OSL_STATE_DIR/{admin,demo}.env and cloud.json.
# See README.md in this folder.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=common.sh
# shellcheck source=common.sh
. "$HERE/common.sh"
S=$OSL_STATE_DIR

export OSL_KEYSTONE_PORT=${OSL_KEYSTONE_PORT:-5000}
export OSL_GLANCE_PORT=${OSL_GLANCE_PORT:-9292}
export OSL_PLACEMENT_PORT=${OSL_PLACEMENT_PORT:-8778}
export OSL_NOVA_PORT=${OSL_NOVA_PORT:-8774}
export OSL_NEUTRON_PORT=${OSL_NEUTRON_PORT:-9696}
export OSL_NEUTRON=${OSL_NEUTRON:-1}
export OSL_CINDER_PORT=${OSL_CINDER_PORT:-8776}
export OSL_CINDER=${OSL_CINDER:-1}
export OSL_GLANCE_IMAGE_SIZE_CAP=${OSL_GLANCE_IMAGE_SIZE_CAP:-1099511627776}
export OSL_READY_TIMEOUT=${OSL_READY_TIMEOUT:-180}
export OSL_PASSWORD=secret
# Debian's interpreter only: pyenv's python3 on PATH lacks Debian's dist-packages.
PY=/usr/bin/python3
unset PYTHONPATH PYTHONHOME

PACKAGES=(
  python3-keystone python3-glance python3-placement python3-nova python3-openstackclient
  python3-osc-placement python3-wsgi-intercept uwsgi-core uwsgi-plugin-python3
  sqlite3 qemu-utils curl openssh-client iproute2 procps
)
# The services this start runs (common.sh's SERVICES lists every one stop.sh may find).
ACTIVE=(keystone glance placement nova)
case $OSL_NEUTRON in
1) ACTIVE+=(neutron) PACKAGES+=(python3-neutron) ;;
0) ;;
*) echo "start.sh: OSL_NEUTRON must be 1 or 0 (got '$OSL_NEUTRON')" >&2 && exit 2 ;;
esac
case $OSL_CINDER in
1) ACTIVE+=(cinder) PACKAGES+=(python3-cinder) ;;
0) ;;
*) echo "start.sh: OSL_CINDER must be 1 or 0 (got '$OSL_CINDER')" >&2 && exit 2 ;;
esac
now_us() { echo "${EPOCHREALTIME//[.,]/}"; }
T0=$(now_us)

say() {
  local ds=$((($(now_us) - T0) / 100000))
  printf '[start.sh %3d.%ds] %s\n' $((ds / 10)) $((ds % 10)) "$*"
}
die() {
  echo "start.sh: $*" >&2
  exit 1
}
port_of() { local var="OSL_${1^^}_PORT"; echo "${!var}"; }
# What Nova's launcher uses as its network service.
nova_network() { if [[ $OSL_NEUTRON == 1 ]]; then echo neutron; else echo fixture; fi; }

check_settings() {
  local name port seen=" "
  for name in "${ACTIVE[@]}"; do
    port=$(port_of "$name")
    if [[ ! $port =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
      die "OSL_${name^^}_PORT is not a port: '$port'"
    fi
    [[ $seen != *" $port "* ]] || die "OSL_${name^^}_PORT=$port is already used by another service"
    seen+="$port "
  done
  [[ $OSL_GLANCE_IMAGE_SIZE_CAP =~ ^[0-9]+$ ]] || die "OSL_GLANCE_IMAGE_SIZE_CAP is not a byte count"
}

install_packages() {
  local installed missing=() pkg
  installed=" $(dpkg-query -W -f='${db:Status-Abbrev}${Package} ' "${PACKAGES[@]}" 2>/dev/null || true)"
  for pkg in "${PACKAGES[@]}"; do
    [[ $installed == *" ii $pkg "* ]] || missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) && return 0
  ((EUID == 0)) || die "missing Debian packages (need root to install): ${missing[*]}"
  say "installing ${missing[*]}"
  local apt=(apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=900 "${missing[@]}")
  if ! DEBIAN_FRONTEND=noninteractive "${apt[@]}" >"$S/log/apt.log" 2>&1; then
    apt-get update -o DPkg::Lock::Timeout=900 >>"$S/log/apt.log" 2>&1 || true
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" >>"$S/log/apt.log" 2>&1 ||
      die "apt-get install failed; see $S/log/apt.log"
  fi
}

# Replace @NAME@ tokens in template $1 and write $2.
render() {
  local text
  text=$(<"$1")
  text=${text//@STATE_DIR@/"$S"}
  text=${text//@KEYSTONE_PORT@/"$OSL_KEYSTONE_PORT"}
  text=${text//@GLANCE_PORT@/"$OSL_GLANCE_PORT"}
  text=${text//@GLANCE_IMAGE_SIZE_CAP@/"$OSL_GLANCE_IMAGE_SIZE_CAP"}
  text=${text//@NOVA_PORT@/"$OSL_NOVA_PORT"}
  text=${text//@NEUTRON_PORT@/"$OSL_NEUTRON_PORT"}
  text=${text//@CINDER_PORT@/"$OSL_CINDER_PORT"}
  text=${text//@PASSWORD@/"$OSL_PASSWORD"}
  printf '%s\n' "$text" >"$2.tmp" && mv "$2.tmp" "$2"
}

write_configs() {
  mkdir -p "$S"/etc/{keystone,glance,placement,nova,neutron,cinder} "$S"/db "$S"/log "$RUN_DIR" \
    "$S"/glance/{images,staging,tasks,cache,lock} "$S"/nova/lock "$S"/neutron/lock \
    "$S"/cinder/{lock,conversion,coordination,volume-files}
  render "$HERE/keystone.conf.in" "$S/etc/keystone/keystone.conf"
  render "$HERE/glance-api.conf.in" "$S/etc/glance/glance-api.conf"
  cp "$HERE/glance-api-paste.ini" "$S/etc/glance/glance-api-paste.ini"
  render "$HERE/placement.conf.in" "$S/etc/placement/placement.conf"
  render "$HERE/nova.conf.in" "$S/etc/nova/nova.conf"
  cp "$HERE/nova-api-paste.ini" "$S/etc/nova/api-paste.ini"
  render "$HERE/neutron.conf.in" "$S/etc/neutron/neutron.conf"
  cp "$HERE/neutron-api-paste.ini" "$S/etc/neutron/api-paste.ini"
  render "$HERE/cinder.conf.in" "$S/etc/cinder/cinder.conf"
  cp "$HERE/cinder-api-paste.ini" "$S/etc/cinder/api-paste.ini"
}

# A service that is not running must find its port free (on any address).
check_ports() {
  local name port holder
  if [[ $OSL_NEUTRON == 0 ]] && service_pid neutron >/dev/null; then
    die "neutron is running (pid $(service_pid neutron)) but OSL_NEUTRON=0: run stop.sh first"
  fi
  if [[ $OSL_CINDER == 0 ]] && service_pid cinder >/dev/null; then
    die "cinder is running (pid $(service_pid cinder)) but OSL_CINDER=0: run stop.sh first"
  fi
  # A Nova started before Neutron was added (no record: the stand-in) must not stay on it.
  if service_pid nova >/dev/null && [[ $(cat "$RUN_DIR/nova.network" 2>/dev/null || echo fixture) != "$(nova_network)" ]]; then
    die "nova is running (pid $(service_pid nova)) with network '$(cat "$RUN_DIR/nova.network" 2>/dev/null || echo fixture)', not '$(nova_network)' (OSL_NEUTRON=$OSL_NEUTRON): run stop.sh first"
  fi
  for name in "${ACTIVE[@]}"; do
    port=$(port_of "$name")
    if service_pid "$name" >/dev/null; then
      [[ $(cat "$RUN_DIR/$name.port" 2>/dev/null) == "$port" ]] ||
        die "$name is running (pid $(service_pid "$name")) on port $(cat "$RUN_DIR/$name.port" 2>/dev/null || echo '?'), not $port: run stop.sh first"
      continue
    fi
    holder=$(ss -Hltnp "sport = :$port" 2>/dev/null || true)
    [[ -z $holder ]] ||
      die "port $port for $name is already in use: ${holder//$'\n'/ | }. Stop that process or set OSL_${name^^}_PORT."
  done
}

# DB initialisation is recorded with the package version, so a package upgrade re-runs the sync.
db_current() { [[ -f $S/db/$1.done && $(<"$S/db/$1.done") == "$(pkg_version "$1")" ]]; }
db_done() { pkg_version "$1" >"$S/db/$1.done"; }
pkg_version() { dpkg-query -W -f='${Version}' "python3-$1"; }
wal() {
  local db
  for db in "$@"; do sqlite3 "$S/db/$db.sqlite" 'PRAGMA journal_mode=WAL;' >/dev/null; done
}

init_keystone() {
  db_current keystone && return 0
  "$PY" "$HERE/keystone_init.py" --config-file "$S/etc/keystone/keystone.conf" \
    --password "$OSL_PASSWORD" --url "http://127.0.0.1:$OSL_KEYSTONE_PORT/v3/"
  wal keystone
  db_done keystone
}

init_glance() {
  db_current glance && return 0
  "$PY" -c 'import sys; from glance.cmd.manage import main; sys.exit(main())' \
    --config-file "$S/etc/glance/glance-api.conf" db_sync
  wal glance
  db_done glance
}

init_placement() {
  db_current placement && return 0
  placement-manage --config-file "$S/etc/placement/placement.conf" db sync
  wal placement
  db_done placement
}

# neutron-db-manage upgrade cannot run on SQLite (ALTER of constraints): the launcher builds the
# schema from Neutron's models and stamps it at the heads.
init_neutron() {
  db_current neutron && return 0
  "$PY" "$HERE/neutron_launcher.py" init --config-file "$S/etc/neutron/neutron.conf"
  wal neutron
  db_done neutron
}

init_cinder() {
  db_current cinder && return 0
  "$PY" -c 'import sys; from cinder.cmd.manage import main; sys.exit(main())' \
    --config-file "$S/etc/cinder/cinder.conf" db sync
  wal cinder
  db_done cinder
}

init_nova() {
  db_current nova && return 0
  "$PY" "$HERE/nova_launcher.py" init --config-file "$S/etc/nova/nova.conf" \
    --cell0-connection "sqlite:///$S/db/nova_cell0.sqlite"
  wal nova_api nova_cell0 nova
  db_done nova
}

# Start service $1 as its own session and process group; the child records its own pid (so the
# pidfile is right whether or not setsid forks) and does not inherit the lock on fd 9.
spawn() {
  local name=$1
  shift
  rm -f "$RUN_DIR/$name.pid"
  printf '\n==== %s: starting %s\n' "$(date -Is)" "$name" >>"$S/log/$name.log"
  # shellcheck disable=SC2016 # $$ and $@ belong to the inner shell
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$RUN_DIR/$name.pid" "$@" \
    </dev/null >>"$S/log/$name.log" 2>&1 9>&- &
  port_of "$name" >"$RUN_DIR/$name.port"
  local tries=0
  until [[ -s $RUN_DIR/$name.pid ]]; do
    ((++tries < 100)) || die "$name did not start; see $S/log/$name.log"
    sleep 0.05
  done
}

# --add-header 'Connection: close': uwsgi's --http-socket does no keep-alive, and clients that reuse
# connections got resets. --skip-atexit-teardown: Py_Finalize in the worker segfaulted (in greenlet)
# on SIGTERM now and then, and the master then waited out the worker mercy period.
UWSGI=(uwsgi-core --plugin python3 --master --lazy-apps --processes 1 --threads 4 --die-on-term
  --need-app --buffer-size 65535 --add-header 'Connection: close' --skip-atexit-teardown
  --worker-reload-mercy 5)

start_service() {
  local name=$1
  if service_pid "$name" >/dev/null; then return 0; fi
  "init_$name" >>"$S/log/init-$name.log" 2>&1 || {
    tail -n 30 "$S/log/init-$name.log" >&2
    die "initialising $name failed; see $S/log/init-$name.log"
  }
  case $name in
  keystone)
    spawn keystone "${UWSGI[@]}" --http-socket "127.0.0.1:$OSL_KEYSTONE_PORT" \
      --wsgi-file /usr/bin/keystone-wsgi-public --env "OS_KEYSTONE_CONFIG_FILES=$S/etc/keystone/keystone.conf"
    ;;
  glance)
    spawn glance "$PY" -c 'import sys; from glance.cmd.api import main; sys.exit(main())' \
      --config-file "$S/etc/glance/glance-api.conf"
    ;;
  placement)
    spawn placement "${UWSGI[@]}" --http-socket "127.0.0.1:$OSL_PLACEMENT_PORT" \
      --wsgi-file /usr/bin/placement-api --env "OS_PLACEMENT_CONFIG_DIR=$S/etc/placement"
    ;;
  nova)
    # It waits by itself until Keystone knows its user and Placement answers.
    rm -f "$RUN_DIR/nova.ready"
    nova_network >"$RUN_DIR/nova.network"
    spawn nova "$PY" "$HERE/nova_launcher.py" serve --config-file "$S/etc/nova/nova.conf" \
      --wait-timeout "$OSL_READY_TIMEOUT" --ready-file "$RUN_DIR/nova.ready" --network "$(nova_network)"
    ;;
  neutron)
    spawn neutron "$PY" "$HERE/neutron_launcher.py" serve --config-file "$S/etc/neutron/neutron.conf" \
      --agent-host fake-host
    ;;
  cinder)
    rm -f "$RUN_DIR/cinder.ready"
    spawn cinder "$PY" "$HERE/cinder_launcher.py" serve --config-file "$S/etc/cinder/cinder.conf" \
      --ready-file "$RUN_DIR/cinder.ready"
    ;;
  esac
}

# Wait until GET $2 answers HTTP $3 while service $1 stays alive.
wait_http() {
  local name=$1 url=$2 want=$3 deadline=$((SECONDS + OSL_READY_TIMEOUT)) code
  while ((SECONDS < deadline)); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url" || true)
    [[ $code == "$want" ]] && return 0
    if ! service_pid "$name" >/dev/null; then
      tail -n 40 "$S/log/$name.log" >&2
      die "$name exited during start-up; see $S/log/$name.log"
    fi
    sleep 0.2
  done
  tail -n 40 "$S/log/$name.log" >&2
  die "$name did not answer GET $url with $want within ${OSL_READY_TIMEOUT}s; see $S/log/$name.log"
}

all_answering() {
  local name
  for name in "${ACTIVE[@]}"; do service_pid "$name" >/dev/null || return 1; done
  [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$OSL_KEYSTONE_PORT/v3") == 200 ]] &&
    [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$OSL_GLANCE_PORT/") == 300 ]] &&
    [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$OSL_PLACEMENT_PORT/") == 200 ]] &&
    [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$OSL_NOVA_PORT/") == 200 ]] &&
    { [[ $OSL_NEUTRON == 0 ]] ||
      [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$OSL_NEUTRON_PORT/") == 200 ]]; } &&
    { [[ $OSL_CINDER == 0 ]] ||
      [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$OSL_CINDER_PORT/v3/") == 401 ]]; }
}

report() {
  echo "OpenStack on loopback is up (state $S):"
  echo "  facts for tests: $S/cloud.json"
  echo "  admin: . $S/admin.env    demo: . $S/demo.env"
  sed 's/^/    /' "$S/admin.env"
}

main() {
  check_settings
  mkdir -p "$RUN_DIR" "$S/log"
  # One start at a time (parallel test workers all call this); services must not inherit fd 9.
  exec 9>"$RUN_DIR/start.lock"
  flock -w 900 9 || die "another start.sh held $RUN_DIR/start.lock for 15 minutes"

  install_packages # first: the checks below use ss and curl
  check_ports
  if [[ -f $RUN_DIR/ready ]] && all_answering; then
    [[ -f $S/cloud.json ]] || "$PY" "$HERE/cloud_setup.py" facts
    say "already running"
    report
    return 0
  fi
  rm -f "$RUN_DIR/ready"

  write_configs
  cd "$S" # the services' working directory
  local catalog="$OSL_KEYSTONE_PORT $OSL_GLANCE_PORT $OSL_PLACEMENT_PORT $OSL_NOVA_PORT neutron=$OSL_NEUTRON:$OSL_NEUTRON_PORT"
  # The last word versions what `register` makes: change it to re-run register on existing state.
  catalog+=" cinder=$OSL_CINDER:$OSL_CINDER_PORT roles=service"
  say "configs written; initialising and starting services"
  local name pid pids=()
  for name in "${ACTIVE[@]}"; do
    start_service "$name" &
    pids+=($!)
  done
  wait "${pids[0]}" || exit 1
  wait_http keystone "http://127.0.0.1:$OSL_KEYSTONE_PORT/v3" 200
  # Users, roles and catalog only change with the ports and services (a few seconds of requests).
  if [[ $(cat "$S/db/catalog.done" 2>/dev/null) != "$catalog" ]]; then
    "$PY" "$HERE/cloud_setup.py" register
    echo "$catalog" >"$S/db/catalog.done"
  fi
  say "keystone ready, users and catalog registered"
  for pid in "${pids[@]:1}"; do wait "$pid" || exit 1; done
  wait_http glance "http://127.0.0.1:$OSL_GLANCE_PORT/" 300
  wait_http placement "http://127.0.0.1:$OSL_PLACEMENT_PORT/" 200
  say "glance and placement ready"
  if [[ $OSL_NEUTRON == 1 ]]; then
    wait_http neutron "http://127.0.0.1:$OSL_NEUTRON_PORT/" 200
    # Networks private and public and the router joining them: found by name, made if missing.
    "$PY" "$HERE/cloud_setup.py" networks
    say "neutron ready, networks present"
  fi
  if [[ $OSL_CINDER == 1 ]]; then
    # The v3 pipeline answers (401: keystonemiddleware wants a token, even for the version document).
    wait_http cinder "http://127.0.0.1:$OSL_CINDER_PORT/v3/" 401
    # The volume service up and the scheduler past its wait for the first capability report.
    "$PY" "$HERE/cloud_setup.py" wait-cinder || {
      tail -n 40 "$S/log/cinder.log" >&2
      die "cinder did not become ready; see $S/log/cinder.log"
    }
    say "cinder ready (volume service up, scheduler has its capabilities)"
  fi
  wait_http nova "http://127.0.0.1:$OSL_NOVA_PORT/" 200
  "$PY" "$HERE/cloud_setup.py" wait-nova || {
    tail -n 40 "$S/log/nova.log" >&2
    die "nova did not become ready; see $S/log/nova.log"
  }
  # Makes the missing ones; records the set in db/flavors.done, so later starts skip the requests.
  "$PY" "$HERE/cloud_setup.py" flavors
  "$PY" "$HERE/cloud_setup.py" facts
  touch "$RUN_DIR/ready"
  say "nova ready (compute host mapped, resource provider in placement), flavors present"
  report
}

main "$@"
