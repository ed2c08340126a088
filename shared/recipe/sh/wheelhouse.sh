# shellcheck shell=sh
# unpack_wheelhouse and fetch_wheelhouse (POSIX sh, run as root): an archive into the flat wheelhouse.
# The archive is unpacked by nobody in a scratch directory, so a hostile member name or symlink
# reaches nothing of root's; then only regular files pip can use are copied out, root-owned and
# world-readable (pip runs as the Indico user).
# SC2154: WHEELHOUSE_FUNCTIONS (wheelhouse.ts) assigns WHEELHOUSE_PARENT and WHEELHOUSE_DIR first.
# shellcheck disable=SC2154

# unpack_wheelhouse ARCHIVE: the distributions in ARCHIVE, flat in $WHEELHOUSE_DIR.
unpack_wheelhouse() {
  wh_work=$(mktemp -d /var/tmp/indicovm-wheelhouse.XXXXXX) || return 1
  chmod 0711 "$wh_work"
  mkdir "$wh_work/x"
  install -m 0644 -o nobody -- "$1" "$wh_work/archive"
  chown nobody "$wh_work/x"
  if ! runuser -u nobody -- tar -xf "$wh_work/archive" -C "$wh_work/x" --no-same-owner --no-same-permissions; then
    rm -rf "$wh_work"
    printf 'indicovm: error: python-wheelhouse: cannot unpack the archive\n' >&2
    return 1
  fi
  mkdir -p "$WHEELHOUSE_DIR"
  chmod 0755 "$WHEELHOUSE_PARENT" "$WHEELHOUSE_DIR"
  find "$wh_work/x" -type f \( -name '*.whl' -o -name '*.tar.gz' -o -name '*.zip' \) \
    -exec install -m 0644 -o root -g root -t "$WHEELHOUSE_DIR" {} +
  rm -rf "$wh_work"
  wh_count=$(find "$WHEELHOUSE_DIR" -maxdepth 1 -type f -name '*.whl' | wc -l)
  if [ "$wh_count" -eq 0 ]; then
    printf 'indicovm: error: python-wheelhouse: the archive holds no .whl file\n' >&2
    return 1
  fi
  printf '    wheelhouse: %s wheels in %s\n' "$wh_count" "$WHEELHOUSE_DIR"
}

# fetch_wheelhouse URL: downloads a wheelhouse tarball over https (python3: every cloud image has it).
fetch_wheelhouse() {
  wh_file=$(mktemp /var/tmp/indicovm-wheelhouse-download.XXXXXX) || return 1
  if ! python3 - "$1" "$wh_file" <<'INDICOVM_FETCH'
import shutil, sys, urllib.request
url, target = sys.argv[1], sys.argv[2]
if not url.lower().startswith("https://"):
    sys.exit("indicovm: error: python-wheelhouse: only https:// URLs are fetched")
try:
    with urllib.request.urlopen(url, timeout=60) as response, open(target, "wb") as out:
        shutil.copyfileobj(response, out, 1 << 20)
except Exception as error:  # one line for the log, not a traceback
    sys.exit("indicovm: error: python-wheelhouse: %s: %s" % (url, error))
INDICOVM_FETCH
  then
    rm -f "$wh_file"
    printf 'indicovm: error: python-wheelhouse: cannot download %s\n' "$1" >&2
    return 1
  fi
  unpack_wheelhouse "$wh_file" || { rm -f "$wh_file"; return 1; }
  rm -f "$wh_file"
}
