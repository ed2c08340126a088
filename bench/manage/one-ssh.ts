// The lower bound for `config`: one `ssh` running one shell script that makes the same edits. The
// files' new contents are computed beforehand (they are what indicovm or Fabric wrote for the value
// set), so the script only compares, stages, checks, swaps with a backup, reloads and restarts: the
// remote work of the task set in a single round trip, with nothing read back first.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { quote } from '../../shared/shell/quote.js';

export interface SshTarget {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly keyFile: string;
  /** `type base64` of the host's key. */
  readonly hostKey: string;
}

/** One file as a value set leaves it. */
export interface FileState {
  readonly path: string;
  readonly mode: string;
  readonly owner: string;
  readonly group: string;
  readonly content: Buffer;
}

const INDICO_UNITS = ['indico-uwsgi.service', 'indico-celery.service', 'indico-celery-beat.service'];

export class OneSsh {
  private readonly knownHosts: string;

  constructor(
    private readonly target: SshTarget,
    work: string,
  ) {
    this.knownHosts = join(work, 'one-ssh.known_hosts');
    const [type, key] = target.hostKey.split(/\s+/);
    writeFileSync(this.knownHosts, `[${target.host}]:${target.port} ${type} ${key}\n`);
  }

  /** Runs a script as root with `sudo -n sh -s`, the script on stdin (so no secret is in an argv). */
  run(script: string): { seconds: number; stdout: string } {
    const started = process.hrtime.bigint();
    const run = spawnSync(
      'ssh',
      [
        '-i',
        this.target.keyFile,
        '-p',
        String(this.target.port),
        '-o',
        `UserKnownHostsFile=${this.knownHosts}`,
        '-o',
        'StrictHostKeyChecking=yes',
        '-o',
        'BatchMode=yes',
        '-o',
        'IdentitiesOnly=yes',
        `${this.target.username}@${this.target.host}`,
        'sudo -n sh -s',
      ],
      { input: script, encoding: 'utf8', timeout: 600_000 },
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (run.status !== 0) throw new Error(`one ssh failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
    return { seconds, stdout: run.stdout };
  }

  /** The files `config` touches as they are now: the value set the last run wrote. */
  snapshot(paths: readonly string[]): FileState[] {
    const script = paths
      .map((path) => `stat -c '%a %U %G' -- ${quote(path)}; base64 -w0 -- ${quote(path)}; echo`)
      .join('\n');
    const lines = this.run(`set -eu\n${script}\n`).stdout.split('\n');
    return paths.map((path, i) => {
      const [mode, owner, group] = lines[2 * i]!.split(' ');
      return {
        path,
        mode: mode!,
        owner: owner!,
        group: group!,
        content: Buffer.from(lines[2 * i + 1]!, 'base64'),
      };
    });
  }

  /**
   * Puts the files of one value set in place as `config` does: only changed files are swapped (with
   * a .indicovm.bak), nginx -t and a Python compile check first, then nginx reloaded and the new
   * certificate awaited on httpsPort, Redis restarted and pinged with the new password, and the
   * Indico units that run restarted. Returns the paths it changed.
   */
  apply(
    files: readonly FileState[],
    roles: { vhost: string; certificate: string; key: string; indicoConf: string; redisDropIn: string },
    facts: { httpsPort: number; redisPort: number; redisPassword: string; redisService: string },
  ): { seconds: number; changed: string[] } {
    const staged = files
      .map(
        (file) =>
          `stage ${[file.path, file.mode, `${file.owner}:${file.group}`].map(quote).join(' ')} <<'EOF'\n` +
          `${file.content.toString('base64').replace(/.{1,76}/g, '$&\n')}EOF`,
      )
      .join('\n');
    const script = `set -eu
CHANGED=
# stage PATH MODE OWNER:GROUP, the content in base64 on stdin: PATH.new when it differs from PATH.
stage() {
  base64 -d > "$1.new"
  if [ -f "$1" ] && cmp -s "$1.new" "$1" && [ "$(stat -c %a "$1")" = "$2" ]; then rm -f "$1.new"; return; fi
  chmod "$2" "$1.new"
  chown "$3" "$1.new"
  CHANGED="$CHANGED $1"
}
changed() { case " $CHANGED " in *" $1 "*) return 0 ;; esac; return 1; }
${staged}
if changed ${quote(roles.indicoConf)}; then
  python3 -c 'import sys; compile(open(sys.argv[1]).read(), sys.argv[1], "exec")' ${quote(roles.indicoConf)}.new
fi
for f in $CHANGED; do
  [ ! -f "$f" ] || cp -p -- "$f" "$f.indicovm.bak"
  mv -f -- "$f.new" "$f"
done
if ! nginx -t -q; then
  for f in $CHANGED; do [ ! -f "$f.indicovm.bak" ] || cp -p -- "$f.indicovm.bak" "$f"; done
  echo 'nginx -t failed: restored' >&2
  exit 1
fi
if changed ${quote(roles.vhost)} || changed ${quote(roles.certificate)} || changed ${quote(roles.key)}; then
  systemctl reload-or-restart nginx
  want=$(openssl x509 -noout -fingerprint -sha256 -in ${quote(roles.certificate)})
  tries=0
  until [ "$(openssl s_client -connect 127.0.0.1:${facts.httpsPort} </dev/null 2>/dev/null |
    openssl x509 -noout -fingerprint -sha256 2>/dev/null)" = "$want" ]; do
    tries=$((tries + 1)); [ "$tries" -lt 120 ] || { echo 'certificate not served' >&2; exit 1; }
    sleep 0.5
  done
fi
if changed ${quote(roles.redisDropIn)}; then
  systemctl restart ${quote(facts.redisService)}
  REDISCLI_AUTH=${quote(facts.redisPassword)} redis-cli -p ${facts.redisPort} --no-auth-warning ping > /dev/null
fi
if changed ${quote(roles.indicoConf)}; then
  for u in ${INDICO_UNITS.join(' ')}; do
    if systemctl is-active --quiet "$u"; then systemctl restart "$u"; fi
  done
fi
printf '%s\\n' $CHANGED
`;
    const run = this.run(script);
    return { seconds: run.seconds, changed: run.stdout.split('\n').filter(Boolean) };
  }
}
