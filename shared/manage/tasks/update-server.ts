import { PATHS, UNITS } from '../../recipe/context.js';
import { pythonString } from '../../recipe/escape.js';
import { baseUrlFor, bareHost, urlHost } from '../../host-name.js';
import { X509Certificate } from 'node:crypto';
import { editVhost, vhostTlsPaths, type WebServer } from '../edit/vhost.js';
import { setShellAssignment } from '../edit/shell-assignment.js';
import { BACKUP_SUFFIX, changeFiles } from '../remote/file-edit.js';
import { reloadOrStart, restartRunning, testWebConfig } from '../remote/services.js';
import { waitForCertificate } from '../remote/tls-probe.js';
import { DEFAULT_CERT } from './load-ssl.js';
import { mustApply, type TaskContext, type TaskOutcome } from '../task.js';
import { indicoConfChanges } from './indico-conf-files.js';

/**
 * Opens the ports in whichever firewall the recipe used: its own nftables table when it wrote one,
 * else ufw or firewalld when active. Prints one line per port it opened. Ports come as $1 $2, the
 * backup suffix as $3.
 *
 * The nftables table is edited like every other file: the new text is checked by nft itself
 * (`nft -c`, which parses and validates against the kernel without applying), the old file is kept
 * as its backup, and the live table is replaced in one transaction (create if missing, delete,
 * define), so a failure leaves the previous rules in force and the previous file in place.
 */
const OPEN_PORTS = `set -eu
table=/etc/nftables.d/indicovm.nft
replace_table() {
  { echo 'table inet indicovm'; echo 'delete table inet indicovm'; cat "$2"; } | nft $1 -f /dev/stdin
}
if [ -f "$table" ]; then
  new=$(mktemp "$table.XXXXXX")
  trap 'rm -f "$new"' EXIT
  sed -E "s/tcp dport \\{[^}]*\\}/tcp dport { $1, $2 }/" "$table" > "$new"
  if ! cmp -s "$new" "$table"; then
    if ! problem=$(replace_table -c "$new" 2>&1); then
      echo "nft -c rejected the new $table (ports $1, $2); nothing was changed: $problem" >&2
      exit 1
    fi
    chmod 644 "$new"
    cp -p "$table" "$table$3"
    mv -f "$new" "$table"
    if ! problem=$(replace_table '' "$table" 2>&1); then
      cp -p "$table$3" "$table"
      echo "nft could not load the new $table; the previous file was put back and its rules stay in force: $problem" >&2
      exit 1
    fi
    echo "$table (ports $1, $2)"
  fi
elif command -v ufw >/dev/null 2>&1 && ufw status 2>/dev/null | grep -q '^Status: active'; then
  for port in "$1" "$2"; do
    ufw status | grep -qE "^$port/tcp +ALLOW" || { ufw allow "$port/tcp" >/dev/null; echo "ufw $port/tcp"; }
  done
elif command -v firewall-cmd >/dev/null 2>&1 && systemctl is-active --quiet firewalld; then
  for port in "$1" "$2"; do
    firewall-cmd --quiet --query-port="$port/tcp" --permanent || { firewall-cmd --quiet --permanent --add-port="$port/tcp"; echo "firewalld $port/tcp"; }
    firewall-cmd --quiet --query-port="$port/tcp" || firewall-cmd --quiet --add-port="$port/tcp"
  done
fi
`;

/** Fingerprint of the certificate file the vhost names: what the new port must serve once the reload is done. */
async function installedCertificate(
  ctx: TaskContext,
  vhostPath: string,
  webServer: WebServer,
): Promise<string> {
  const vhost = (await ctx.session.readFile(vhostPath, { sudo: true }))?.toString('utf8') ?? '';
  const path = vhostTlsPaths(webServer, vhost).cert ?? DEFAULT_CERT;
  return new X509Certificate(await ctx.session.download(path, { sudo: true })).fingerprint256;
}

export async function updateServer(ctx: TaskContext): Promise<TaskOutcome> {
  const o = ctx.options;
  const host = bareHost(o.serverName!);
  // Both web servers compare the Host header, brackets and all, with the name they are given.
  const serverName = urlHost(host);
  const baseUrl = baseUrlFor(host, o.httpsPort);
  const facts = await ctx.facts();
  const vhostEdit = (current: string | undefined): string =>
    editVhost(facts.webServer, current, {
      serverName,
      httpPort: o.httpPort,
      httpsPort: o.httpsPort,
      baseUrl,
    });
  const changed = await changeFiles(
    ctx.session,
    [
      { path: facts.vhostPath, edit: vhostEdit },
      ...indicoConfChanges(ctx, { BASE_URL: pythonString(baseUrl) }),
      {
        path: PATHS.firstbootScript,
        edit: (current) => setShellAssignment(current ?? '', 'SERVER_NAME', host),
        onlyIfExists: true,
      },
    ],
    { testInPlace: () => testWebConfig(ctx.session, facts) },
  );
  const services: string[] = [];
  if (mustApply(ctx, changed, (path) => path === facts.vhostPath)) {
    services.push(...(await reloadOrStart(ctx.session, [facts.webService])));
    await waitForCertificate(
      ctx.session,
      o.httpsPort,
      await installedCertificate(ctx, facts.vhostPath, facts.webServer),
    );
  }
  if (mustApply(ctx, changed, (path) => path.endsWith('/etc/indico.conf'))) {
    services.push(...(await restartRunning(ctx.session, [UNITS.uwsgi, UNITS.celery, UNITS.celeryBeat])));
  }
  const { stdout } = await ctx.session.exec(
    ['sh', '-c', OPEN_PORTS, 'sh', String(o.httpPort), String(o.httpsPort), BACKUP_SUFFIX],
    {
      sudo: true,
    },
  );
  const firewall = stdout.split('\n').filter(Boolean);
  const all = [...changed, ...services, ...firewall];
  return { changed: all, note: all.length > 0 ? `BASE_URL ${baseUrl}` : 'unchanged' };
}
