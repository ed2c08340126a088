#!/bin/sh
# Runs the Indico recipe a second time in the build VM and fails when that changed a file under the
# stack's folders or restarted a service: the recipe must be idempotent with `pip install indico` and
# `indico db prepare` included, which only a hosted runner (with PyPI) can show. The e2e job renders
# the same recipe with `indicovm render-script` and uploads it to /root/recipe-again.sh (`files`).
set -eu
# Indico's logs, caches and Python's bytecode caches change whenever `indico` runs: not state.
state() {
  find /etc /usr/local /opt/indico /var/lib/indicovm -xdev \
    \( -path /opt/indico/log -o -path /opt/indico/cache -o -path /opt/indico/tmp -o -name __pycache__ \) -prune \
    -o -type f -print0 2>/dev/null | sort -z | xargs -0 sha256sum
  for unit in postgresql redis-server redis nginx httpd indico-uwsgi indico-celery indico-celery-beat; do
    systemctl show -p MainPID -p ActiveEnterTimestampMonotonic "$unit"
  done
}
state > /root/state-before.txt
sh /root/recipe-again.sh
state > /root/state-after.txt
if ! diff -u /root/state-before.txt /root/state-after.txt; then
  echo 'The second run of the recipe changed the files or restarted the services above.' >&2
  exit 1
fi
rm -f /root/state-before.txt /root/state-after.txt /root/recipe-again.sh
echo 'Idempotent: the second run of the recipe changed nothing.'
