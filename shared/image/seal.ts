/**
 * Sealing: what virt-sysprep's default operations do, done from inside the guest over SSH, so that
 * every VM made from the image is a new machine (own machine-id, host keys, cloud-init instance and
 * per-instance secrets) and nothing of the build is left (user, keys, history, logs, caches).
 *
 * Two parts. The first runs in the build's SSH session and fails loudly. The second must outlive that
 * session, because it deletes the user the session is logged in as: a transient systemd unit runs it
 * after we disconnect, then powers the guest off, and reports on the serial console whether every step
 * worked (the host reads that line back from the serial log).
 */
import { CommandError } from '../errors.js';
import { serialLogTail } from '../qemu/serial.js';
import { WHEELHOUSE_PARENT } from '../recipe/wheelhouse.js';
import type { Reporter } from '../report/reporter.js';
import { quote } from '../shell/quote.js';

export const SEAL_OK = 'indicovm-seal: ok';
export const SEAL_FAILED = 'indicovm-seal: failed';
export const SEAL_NOTE = 'indicovm-seal: note:';
export const FINAL_SEAL_PATH = '/run/indicovm-seal-final.sh';
export const FINAL_SEAL_UNIT = 'indicovm-seal-final';

/** History files of shells and interactive tools, relative to a home folder. */
export const HISTORY_FILES = [
  '.bash_history',
  '.sh_history',
  '.ash_history',
  '.zsh_history',
  '.zhistory',
  '.histfile',
  '.history',
  '.local/share/fish/fish_history',
  '.python_history',
  '.node_repl_history',
  '.psql_history',
  '.mysql_history',
  '.sqlite_history',
  '.rediscli_history',
  '.lesshst',
  '.viminfo',
  '.wget-hsts',
] as const;

/** Every home folder: the passwd database's (system users such as postgres have one too), root's and /home/*. */
export const HOME_FOLDERS_COMMAND =
  "{ getent passwd | cut -d: -f6; printf '%s\\n' /root /home/*; } | sort -u";

/**
 * Shell code that removes every user's history files. Runs in both parts: a shell that logs out after
 * the first part writes its history then. The paths are listed by the shell's printf builtin and
 * removed by one rm: an rm per file is hundreds of processes, seconds under emulation.
 */
export function historyRemoval(homesCommand: string = HOME_FOLDERS_COMMAND): string {
  return `${homesCommand} | while IFS= read -r home; do
  [ -d "$home" ] || continue
  for name in ${HISTORY_FILES.join(' ')}; do printf '%s\\0' "$home/$name"; done
done | xargs -0 rm -f --
`;
}

/** Runs as root through sudo in the build session. */
export function sealScript(): string {
  return `set -eu
step() { printf '== %s\\n' "$*"; }

step 'cloud-init clean'
if command -v cloud-init >/dev/null 2>&1; then
  # --machine-id and --seed are newer than some distributions' cloud-init.
  cloud-init clean --logs --seed --machine-id 2>/dev/null || cloud-init clean --logs --seed 2>/dev/null || cloud-init clean --logs
fi

step 'machine-id'
# Empty rather than missing: systemd then makes a new one on the next boot, as on a fresh cloud image.
: > /etc/machine-id
chmod 0444 /etc/machine-id
if [ -f /var/lib/dbus/machine-id ] && [ ! -L /var/lib/dbus/machine-id ]; then rm -f /var/lib/dbus/machine-id; fi

step 'SSH host keys'
rm -f /etc/ssh/ssh_host_*

step 'package caches'
if command -v apt-get >/dev/null 2>&1; then apt-get clean; rm -rf /var/lib/apt/lists/*; fi
if command -v dnf >/dev/null 2>&1; then dnf clean all >/dev/null; fi
if command -v yum >/dev/null 2>&1; then yum clean all >/dev/null 2>&1 || true; fi
# python-wheelhouse: the build's wheels (the image keeps what pip installed from them).
rm -rf ${WHEELHOUSE_PARENT}

step 'build-time apt setting'
# The seed relaxed apt's Release expiry check for the build only; the image keeps the distribution's default.
conf=/etc/apt/apt.conf.d/94cloud-init-config
if [ -f "$conf" ] && [ "$(cat "$conf")" = 'Acquire::Check-Valid-Until "false";' ]; then rm -f "$conf"; fi

step 'DHCP leases'
rm -rf /var/lib/dhcp/* /var/lib/dhclient/* /var/lib/NetworkManager/*.lease /var/lib/systemd/network/* 2>/dev/null || true

step 'per-instance state'
# The first-boot unit regenerates the per-instance secrets on every clone when this stamp is missing.
rm -f /var/lib/indicovm/firstboot.done
rm -f /var/lib/systemd/random-seed /var/lib/systemd/credential.secret
rm -rf /root/.ssh /root/.cache

step 'shell history'
${historyRemoval()}`;
}

/**
 * Runs as a transient root unit once the build session is gone: removes the build user and what
 * only it could not remove while logged in, empties /tmp and the logs, trims, powers off.
 */
export function finalSealScript(buildUser: string): string {
  const user = quote(buildUser);
  return `set -u
console=/dev/ttyS0
[ -w "$console" ] || console=/dev/console
fail() { printf '\\n${SEAL_FAILED} %s\\n' "$*" > "$console" 2>/dev/null; sync; systemctl poweroff; exit 1; }
# The build session is closing. logind would keep the user's manager (systemd --user) running for
# UserStopDelaySec (10 s) after it: it is stopped now, and what is left after 2 s is killed.
gone() { ! pgrep -u ${user} >/dev/null 2>&1; }
waitgone() { i=0; until gone || [ $i -ge 20 ]; do sleep 0.1; i=$((i + 1)); done; }
loginctl terminate-user ${user} 2>/dev/null
waitgone
pkill -KILL -u ${user} 2>/dev/null; waitgone
if getent passwd ${user} >/dev/null; then
  home=$(getent passwd ${user} | cut -d: -f6)
  # Status 12: the mail spool or home could not be removed; the rm below handles the home.
  userdel -r ${user} 2>/dev/null || [ $? -eq 12 ] || fail 'userdel ${buildUser}'
  case "$home" in /home/?*) rm -rf -- "$home" ;; esac
fi
getent passwd ${user} >/dev/null && fail 'the build user still exists'
if getent group ${user} >/dev/null; then groupdel ${user} 2>/dev/null || true; fi
rm -f /etc/sudoers.d/90-cloud-init-users
find /tmp /var/tmp -mindepth 1 -delete 2>/dev/null
find /var/log -type f \\( -name '*.gz' -o -name '*.[0-9]' -o -name '*.old' -o -name '*.journal~' \\) -delete 2>/dev/null
# journald maps its files: they are rotated and vacuumed, never truncated under it. -c: without
# O_CREAT, as fs.protected_regular refuses root an O_CREAT open of another user's file in a sticky
# group-writable folder (Debian's /var/log/postgresql, 1775 root:postgres).
# A file that vanishes or is recreated meanwhile is not worth failing the build for: it is noted.
if ! out=$(find /var/log -path /var/log/journal -prune -o -type f -exec truncate -c -s 0 {} + 2>&1); then
  printf '\\n${SEAL_NOTE} %s\\n' "$(echo "$out" | tr '\\n' ' ')" > "$console"
fi
if command -v journalctl >/dev/null 2>&1; then
  journalctl --rotate >/dev/null 2>&1; journalctl --vacuum-time=1s >/dev/null 2>&1
fi
rm -f /etc/ssh/ssh_host_*
${historyRemoval()}rm -f ${FINAL_SEAL_PATH}
fstrim -av > "$console" 2>&1 || true
sync
printf '\\n${SEAL_OK}\\n' > "$console"
systemctl poweroff
`;
}

/** What the serial console said about the last sealing step; a failure or no power-off throws. */
export function checkSealResult(
  sealed: { poweredOff: boolean; serial: string },
  serialLog: string,
  shutdownTimeout: number,
  reporter: Reporter,
): void {
  const failed = new RegExp(`${SEAL_FAILED} ([^\\r\\n]*)`).exec(sealed.serial);
  if (failed) {
    throw new CommandError(
      'seal',
      null,
      serialLogTail(serialLog),
      `the last sealing step failed: ${failed[1]}`,
    );
  }
  if (!sealed.poweredOff) {
    throw new CommandError(
      'seal',
      null,
      serialLogTail(serialLog),
      `the VM did not power off within ${shutdownTimeout} s (shutdown-timeout), so sealing may be incomplete`,
    );
  }
  for (const note of sealed.serial.matchAll(new RegExp(`${SEAL_NOTE} ([^\\r\\n]*)`, 'g'))) {
    reporter.warning(`Sealing: ${note[1] ?? ''}`);
  }
  if (!sealed.serial.includes(SEAL_OK)) {
    reporter.warning(
      'The VM powered off, but its serial console did not confirm the last sealing step (the image may not log to ttyS0).',
    );
  }
}
