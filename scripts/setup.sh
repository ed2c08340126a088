#!/usr/bin/env bash
# Installs what the indicovm command needs on Debian or Ubuntu, and nothing else: qemu (the emulator and
# qemu-img) and Node.js. The CLI is committed as one bundled file (cli/dist/index.js), so no npm install
# runs and no service is started. The test tools are .ci/setup's business, not a user's.
# Needs root (or sudo) for apt; run it as `sudo bash scripts/setup.sh`.
set -euo pipefail

as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
if ! command -v apt-get > /dev/null; then
  echo "scripts/setup.sh installs with apt (Debian, Ubuntu). Elsewhere install qemu-system-x86_64," \
    "qemu-img and Node.js 18 or newer, then run: node cli/dist/index.js --help" >&2
  exit 1
fi

# The bundled CLI runs on Node.js 18 and newer: Debian 12's own nodejs is enough.
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
packages=(qemu-system-x86 qemu-utils ca-certificates)
[ "$(node_major)" -ge 18 ] || packages+=(nodejs)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends \
    -o DPkg::Lock::Timeout=900 "${missing[@]}"
fi
if [ "$(node_major)" -lt 18 ]; then
  echo "indicovm's CLI needs Node.js 18 or newer; this distribution offers $(node --version 2>/dev/null || echo none)." >&2
  exit 1
fi

# KVM makes a build minutes instead of an hour. Group changes are the user's call, so only say how.
user=${SUDO_USER:-$(id -un)}
can_open_kvm() {
  if [ "$(id -un)" = "$user" ]; then
    test -r /dev/kvm -a -w /dev/kvm
  else
    runuser -u "$user" -- test -r /dev/kvm -a -w /dev/kvm
  fi
}
# KVM-PVM (a /dev/kvm for paravirtualised guests only) is not used at all: auto falls back to TCG there.
if [ -e /dev/kvm ] && [ ! -d /sys/module/kvm_pvm ] && [ "$user" != root ] && ! can_open_kvm 2> /dev/null; then
  echo "note: $user cannot open /dev/kvm, so builds with the default --accelerator auto stop and say" \
    "so. For KVM: sudo adduser $user kvm, then log in again; or pass --accelerator tcg (much slower)." >&2
fi
echo "indicovm is ready: node cli/dist/index.js --help"
