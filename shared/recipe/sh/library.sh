# shellcheck shell=sh
# The functions every provisioning script starts with: output, distribution detection and idempotent
# file installation. Plain POSIX sh (dash on Debian/Ubuntu, bash as sh on EL).
# SC2154: TOTAL_STEPS, INDICOVM_OS_RELEASE, SUPPORTED_TEXT and UNSUPPORTED_EXIT are the rendered
# preamble's (the check of the rendered script sees them assigned). SC2034: detect_os sets OS_* for
# the steps.
# shellcheck disable=SC2154,SC2034

STEP=0
CHANGED_FILES=' '

step() {
  STEP=$((STEP + 1))
  printf '\n==> [%s/%s] %s\n' "$STEP" "$TOTAL_STEPS" "$1"
}

note() {
  printf '    %s\n' "$*"
}

die() {
  printf 'indicovm: error: %s\n' "$*" >&2
  exit 1
}

loud() {
  printf '\n    ********************************************************************\n'
  printf '    *** %s\n' "$@"
  printf '    ********************************************************************\n'
}

# os_field NAME: one field of os-release, without quotes.
os_field() {
  sed -n "s/^$1=//p" "$INDICOVM_OS_RELEASE" | tail -n 1 | tr -d "\"'"
}

# detect_os: sets OS_ID, OS_VERSION and OS_FAMILY (debian or el), or exits $UNSUPPORTED_EXIT.
detect_os() {
  [ -r "$INDICOVM_OS_RELEASE" ] || die "cannot read $INDICOVM_OS_RELEASE to tell the distribution"
  OS_ID=$(os_field ID)
  OS_VERSION=$(os_field VERSION_ID)
  case "$OS_ID:$OS_VERSION" in
    debian:12 | debian:13 | ubuntu:22.04 | ubuntu:24.04) OS_FAMILY=debian ;;
    almalinux:9 | almalinux:9.* | rocky:9 | rocky:9.*) OS_FAMILY=el ;;
    *)
      printf 'indicovm: unsupported distribution "%s %s" (from %s).\n' "$OS_ID" "$OS_VERSION" "$INDICOVM_OS_RELEASE" >&2
      printf 'indicovm: supported are %s.\n' "$SUPPORTED_TEXT" >&2
      exit "$UNSUPPORTED_EXIT"
      ;;
  esac
}

# put_file PATH MODE OWNER:GROUP < content: replaces PATH only when the content differs.
put_file() {
  mkdir -p "$(dirname "$1")"
  put_tmp=$(mktemp "$1.indicovm.XXXXXX")
  cat > "$put_tmp"
  if [ -f "$1" ] && cmp -s "$put_tmp" "$1"; then
    rm -f "$put_tmp"
    chmod "$2" "$1"
    chown "$3" "$1"
  else
    chmod "$2" "$put_tmp"
    chown "$3" "$put_tmp"
    mv -f "$put_tmp" "$1"
    CHANGED_FILES="$CHANGED_FILES$1 "
    note "wrote $1"
  fi
}

# changed PATH...: true when put_file replaced any of them in this run.
changed() {
  for changed_path in "$@"; do
    case "$CHANGED_FILES" in *" $changed_path "*) return 0 ;; esac
  done
  return 1
}

# ensure_line FILE LINE: appends LINE unless FILE already has it.
ensure_line() {
  if ! grep -qxF -- "$2" "$1"; then
    printf '%s\n' "$2" >> "$1"
    CHANGED_FILES="$CHANGED_FILES$1 "
    note "added '$2' to $1"
  fi
}

# as_postgres SQL...: runs psql as the postgres superuser.
as_postgres() {
  runuser -u postgres -- psql -qtA -v ON_ERROR_STOP=1 "$@"
}

# start_service UNIT [restart]: enables the unit and starts it, or restarts it when asked.
start_service() {
  systemctl enable --quiet "$1"
  if [ "${2:-}" = restart ] && systemctl is-active --quiet "$1"; then
    systemctl restart "$1"
    note "restarted $1"
  elif ! systemctl is-active --quiet "$1"; then
    systemctl start "$1"
    if systemctl is-active --quiet "$1"; then
      note "started $1"
    else
      note "$1 is enabled but not running (a ConditionPathExists of the unit is not met yet)"
    fi
  fi
}
