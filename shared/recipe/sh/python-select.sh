# shellcheck shell=sh
# Where the Python of the Indico venv comes from: the distribution's when it is one Indico 3.3 accepts
# (>=3.12.2,<3.13), else one that uv installs under the install dir. Needs INSTALL_DIR, PYTHON_VERSION,
# PYTHON_INSTALL_MIRROR (empty: uv's default), the library's note/die and as_indico; sets PYTHON.
# SC2154: the rendered preamble (script.ts), library.sh and the steps before this one set what it
# reads; the check of the rendered script sees every assignment.
# shellcheck disable=SC2154

python_ok() {
  "$1" -c 'import sys; v = sys.version_info[:3]; sys.exit(not ((3, 12, 2) <= v < (3, 13)))' 2>/dev/null
}
PYTHON=
case "$PYTHON_VERSION" in
  3.12)
    for candidate in python3.12 python3; do
      found=$(command -v "$candidate" 2>/dev/null) || continue
      if python_ok "$found"; then PYTHON=$found; break; fi
    done
    ;;
esac
if [ -z "$PYTHON" ]; then
  if [ ! -x "$INSTALL_DIR/.uv/bin/uv" ]; then
    as_indico python3 -m venv "$INSTALL_DIR/.uv"
    as_indico "$INSTALL_DIR/.uv/bin/pip" install -q uv
  fi
  # only-managed: a distribution's python3.12 that Indico refuses (3.12.0/3.12.1) must not be "found".
  as_indico env UV_PYTHON_INSTALL_DIR="$INSTALL_DIR/.python" UV_PYTHON_PREFERENCE=only-managed ${PYTHON_INSTALL_MIRROR:+UV_PYTHON_INSTALL_MIRROR="$PYTHON_INSTALL_MIRROR"} "$INSTALL_DIR/.uv/bin/uv" python install "$PYTHON_VERSION"
  PYTHON=$(as_indico env UV_PYTHON_INSTALL_DIR="$INSTALL_DIR/.python" UV_PYTHON_PREFERENCE=only-managed "$INSTALL_DIR/.uv/bin/uv" python find "$PYTHON_VERSION")
fi
python_ok "$PYTHON" || die "$PYTHON is not a Python Indico 3.3 accepts (>=3.12.2,<3.13)"
note "Python: $PYTHON ($("$PYTHON" -V 2>&1))"
