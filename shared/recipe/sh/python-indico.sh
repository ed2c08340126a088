# shellcheck shell=sh
# Step 'Python … and Indico': build dependencies, then (at the slot, rendered: as_indico with the pip
# options, and the wheelhouse) python-select.sh, then the venv, Indico and what the setup wizard writes.
# SC2154: the rendered preamble (script.ts), library.sh and the steps before this one set what it
# reads; the check of the rendered script sees every assignment.
# shellcheck disable=SC2154

step "Python $PYTHON_VERSION and Indico"
# Build dependencies from Indico's guides (uWSGI and some wheels compile).
if [ "$OS_FAMILY" = debian ]; then
  set -- build-essential git libpq-dev libxslt1-dev libxml2-dev libffi-dev libpcre2-dev libyaml-dev libssl-dev \
    zlib1g-dev libbz2-dev libreadline-dev libsqlite3-dev xz-utils liblzma-dev uuid-dev libpango1.0-dev \
    python3 python3-venv python3-dev
  if [ "$OS_ID" = ubuntu ]; then set -- "$@" libjpeg-turbo8-dev; else set -- "$@" libjpeg62-turbo-dev; fi
  apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=900 "$@"
else
  dnf install -y -q git gcc make libjpeg-turbo-devel libxslt-devel libxml2-devel libffi-devel pcre-devel \
    libyaml-devel zlib-devel bzip2 bzip2-devel readline-devel sqlite sqlite-devel openssl-devel xz xz-devel \
    findutils libuuid-devel tar pango libpq-devel python3 python3.12 python3.12-devel
fi
#@ python-selection
if [ ! -x "$VENV/bin/python" ]; then
  as_indico "$PYTHON" -m venv --upgrade-deps --prompt indico "$VENV"
  note "created $VENV"
fi
as_indico "$VENV/bin/pip" install -q setuptools wheel
as_indico "$VENV/bin/pip" install -q uwsgi
as_indico "$VENV/bin/pip" install -q "$INDICO_REQUIREMENT"
note "installed $("$VENV/bin/pip" show indico 2>/dev/null | sed -n 's/^Version: /indico /p')"
# What 'indico setup wizard' would create next to indico.conf.
INDICO_PACKAGE=$("$VENV/bin/python" -c 'import indico, os; print(os.path.dirname(indico.__file__))')
if [ "$(readlink "$INSTALL_DIR/web/static" 2>/dev/null || true)" != "$INDICO_PACKAGE/web/static" ]; then
  ln -sfn "$INDICO_PACKAGE/web/static" "$INSTALL_DIR/web/static"
  note "linked $INSTALL_DIR/web/static"
fi
put_file "$INSTALL_DIR/web/indico.wsgi" 0640 "$INDICO_USER:$INDICO_USER" < "$INDICO_PACKAGE/web/indico.wsgi"
if [ ! -e "$INSTALL_DIR/etc/logging.yaml" ] && [ -e "$INDICO_PACKAGE/logging.yaml.sample" ]; then
  put_file "$INSTALL_DIR/etc/logging.yaml" 0640 "root:$INDICO_USER" < "$INDICO_PACKAGE/logging.yaml.sample"
fi
ln -sfn "$INSTALL_DIR/etc/indico.conf" "$INSTALL_DIR/.indico.conf"
chown -h "$INDICO_USER:$INDICO_USER" "$INSTALL_DIR/.indico.conf"
chmod 750 "$VENV"
