# shellcheck shell=sh
# Step 'Python … and Indico' with install-indico: false: says loudly what it leaves out.
# SC2154: the rendered preamble (script.ts), library.sh and the steps before this one set what it
# reads; the check of the rendered script sees every assignment.
# shellcheck disable=SC2154

step "Python $PYTHON_VERSION and Indico"
loud 'SKIPPED: Python '"$PYTHON_VERSION"', pip install of Indico and "indico db prepare"' \
  '(install-indico is false). The uWSGI and Celery units are installed and enabled' \
  "but stay inactive until $VENV/bin/indico and $VENV/bin/uwsgi exist."
