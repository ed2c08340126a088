// action-manage, bundled, against a real Debian 12 VM provisioned by the recipe (install-indico: false,
// firewall: nftables, so that update-server has a firewall to edit).
// Run `npm run bundle` first: the test runs action-manage/dist/index.js as the runner does
// (INDICOVM_MANAGE_BUNDLE names another bundle of action-manage/src/main.ts, e.g. one built by
// `npx ncc build` into a temporary folder while working on the sources).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { generateEd25519KeyPair } from '../../../shared/cloudinit/keys.js';
import { TerminalReporter } from '../../../shared/report/terminal.js';
import { quote } from '../../../shared/shell/quote.js';
import { connect, type SshSession } from '../../../shared/ssh/index.js';
import { pemSecrets, scanRun } from '../../security/leak-scan.js';
import { tally, tallyFault } from '../../security/tally.js';
import { cutConnections, processesMatching, waitUntil } from '../../support/processes.js';
import { freePort } from '../../support/sshd.js';
import { selfSignedPair } from '../../support/tls.js';
import { recipeVm, type RecipeVm } from '../../support/recipe-vm.js';
import { REPO, runBundledAction, startBundledAction, type ActionRun } from '../../support/run-action.js';
import { tempDir } from '../../unit/recipe/helpers.js';

const BUNDLE = process.env.INDICOVM_MANAGE_BUNDLE
  ? relative(REPO, resolve(process.env.INDICOVM_MANAGE_BUNDLE))
  : 'action-manage/dist/index.js';
const REDIS_PASSWORD = `r3d!s p@ss:w/rd%41 'q' "dq" \\ $(id) #x`;
const SMTP_PASSWORD = `smtp'"\\$pw #1`;
const DROPPED_REDIS_PASSWORD = `dr0pped ${randomBytes(4).toString('hex')} 'q' $x`;
const REFUSED_REDIS_PASSWORD = `refus3d ${randomBytes(4).toString('hex')} "q" $y`;
const TIMINGS: Record<string, number> = {};
const corpus = { runs: 0, leaks: [] as string[] };

let vm: RecipeVm;
let session: SshSession;
let pki: { cert: string; key: string; fingerprint: string };

function makeCert(cn: string): { cert: string; key: string; fingerprint: string } {
  const { cert, key } = selfSignedPair(tempDir('manage-vm-cert'), cn, { subjectAltName: `DNS:${cn}` });
  return { cert, key, fingerprint: new X509Certificate(cert).fingerprint256 };
}

/** Every secret these runs carry, with each body line of the TLS key on its own. */
function secrets(): string[] {
  return [
    REDIS_PASSWORD,
    SMTP_PASSWORD,
    DROPPED_REDIS_PASSWORD,
    REFUSED_REDIS_PASSWORD,
    ...pemSecrets(pki.key),
  ];
}

/**
 * Nothing the runner keeps (logs, outputs, summary, files in the workspace) holds a secret, in any
 * form; the backup tarball is the user's own copy of the configuration and is left out.
 */
function audit(name: string, run: ActionRun, skipFiles: readonly string[] = []): void {
  const { leaks } = scanRun(run, secrets(), { skipFiles });
  corpus.runs++;
  corpus.leaks.push(...leaks.map((leak) => `${name}: ${leak.form} in ${leak.where}`));
  expect({ run: name, leaks }).toEqual({ run: name, leaks: [] });
}

function connectionInputs(hostKeys: string): Record<string, string> {
  return {
    host: vm.host,
    port: String(vm.port),
    username: vm.username,
    'ssh-key': vm.privateKey.reveal(),
    'host-keys': hostKeys,
  };
}

function manage(tasks: string, inputs: Record<string, string> = {}, hostKeys = vm.hostKey): ActionRun {
  const started = Date.now();
  const run = runBundledAction(
    BUNDLE,
    { ...connectionInputs(hostKeys), tasks, ...inputs },
    { timeoutMs: 300_000 },
  );
  TIMINGS[tasks] = (TIMINGS[tasks] ?? 0) + (Date.now() - started) / 1000;
  audit(`manage ${tasks}`, run);
  if (run.status !== 0) {
    process.stderr.write(`manage ${tasks} exited ${run.status}:\n${run.stdout}\n${run.stderr}\n`);
  }
  return run;
}

async function sh(script: string): Promise<string> {
  return (await session.runScript(script, { sudo: true })).stdout;
}

/** The certificate the VM serves on a port, seen through an SSH tunnel. */
async function servedFingerprint(port: number, servername: string): Promise<string> {
  const forward = await session.forwardLocal('127.0.0.1', port);
  try {
    return await new Promise<string>((resolve, reject) => {
      const socket = tlsConnect(
        { host: '127.0.0.1', port: forward.port, servername, rejectUnauthorized: false },
        () => {
          resolve(socket.getPeerCertificate().fingerprint256);
          socket.end();
        },
      );
      socket.on('error', reject);
    });
  } finally {
    await forward.close();
  }
}

const CONFIG_FILES = [
  '/opt/indico/etc/indico.conf',
  '/etc/indicovm/templates/indico.conf',
  '/etc/indicovm/templates/redis.conf',
  '/etc/redis/indico.conf',
  '/etc/nginx/conf.d/indico.conf',
  '/etc/ssl/indico/indico.crt',
  '/etc/ssl/indico/indico.key',
  '/usr/local/sbin/indicovm-firstboot',
  '/etc/nftables.d/indicovm.nft',
];

/** The ports of the recipe's nftables table as the kernel has it (not the file). */
async function liveFirewallPorts(): Promise<string> {
  const table = await sh('nft list table inet indicovm');
  return /tcp dport \{ ([^}]*) \} accept/.exec(table)?.[1] ?? `no port rule in:\n${table}`;
}

/** ActiveEnterTimestampMonotonic and MainPID of each unit: both change when a unit really restarts. */
async function unitStarts(units: readonly string[]): Promise<Record<string, string>> {
  const out = await sh(
    `for u in ${units.join(' ')}; do echo "$u $(systemctl show -p ActiveEnterTimestampMonotonic --value "$u") $(systemctl show -p MainPID --value "$u")"; done`,
  );
  return Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((line) => [line.split(' ')[0]!, line.split(' ').slice(1).join(' ')]),
  );
}

beforeAll(async () => {
  if (!existsSync(join(REPO, BUNDLE))) throw new Error(`${BUNDLE} is missing: run npm run bundle first.`);
  pki = makeCert('indico.test');
  vm = await recipeVm({ firewall: 'nftables' });
  session = await connect(
    { host: vm.host, port: vm.port, username: vm.username, privateKey: vm.privateKey, hostKeys: vm.hostKey },
    new TerminalReporter(),
  );
}, 1_500_000);

afterAll(async () => {
  process.stderr.write(
    `manage VM test timings (s): boot ${vm?.timings.boot}, recipe ${vm?.timings.recipe}, ` +
      Object.entries(TIMINGS)
        .map(([k, v]) => `${k} ${v.toFixed(1)}`)
        .join(', ') +
      '\n',
  );
  tally(
    'secrets corpus (manage on a VM)',
    { runsScanned: corpus.runs, secretsScanned: pki ? secrets().length : 0, leaks: corpus.leaks.length },
    corpus.leaks,
  );
  await session?.close();
  await vm?.stop();
}, 120_000);

describe('action-manage on a recipe VM', () => {
  test('a wrong host key is refused before anything runs', async () => {
    const marker = `/tmp/indicovm-must-not-exist-${Date.now()}`;
    const run = manage('run', { script: `touch ${marker}` }, generateEd25519KeyPair().publicKey);
    expect(run.status).not.toBe(0);
    expect(run.stdout + run.stderr).toMatch(/host key/i);
    expect(await sh(`[ -e ${marker} ] && echo present || echo absent`)).toBe('absent\n');
  });

  test('load-ssl installs the certificate and nginx serves it', async () => {
    const run = manage('load-ssl', { 'ssl-cert': pki.cert, 'ssl-key': pki.key });
    expect(run.status).toBe(0);
    expect(JSON.parse(run.outputs.changed!)['load-ssl']).toEqual(
      expect.arrayContaining(['/etc/ssl/indico/indico.crt', '/etc/ssl/indico/indico.key']),
    );
    expect(await servedFingerprint(443, 'indico.test')).toBe(pki.fingerprint);
    expect(await sh('stat -c %a /etc/ssl/indico/indico.key')).toBe('600\n');
    expect(await sh('grep -c "^SELF_SIGNED=no$" /usr/local/sbin/indicovm-firstboot')).toBe('1\n');
    expect(run.summary).toContain('load-ssl');
  });

  test('update-server moves BASE_URL, server_name, the HTTPS port and the firewall', async () => {
    expect(await liveFirewallPorts()).toBe('80, 443');
    const run = manage('update-server', { 'server-name': 'indico.test', 'https-port': '8443' });
    expect(run.status).toBe(0);
    expect(JSON.parse(run.outputs.changed!)['update-server']).toContain(
      '/etc/nftables.d/indicovm.nft (ports 80, 8443)',
    );
    expect(await liveFirewallPorts()).toBe('80, 8443');
    expect(await sh('grep -c "tcp dport { 80, 8443 } accept" /etc/nftables.d/indicovm.nft')).toBe('1\n');
    expect(await sh('grep -c "tcp dport { 80, 443 } accept" /etc/nftables.d/indicovm.nft.indicovm.bak')).toBe(
      '1\n',
    );
    expect(await sh('ls /etc/nftables.d')).toBe('indicovm.nft\nindicovm.nft.indicovm.bak\n');
    expect(await sh("grep '^BASE_URL' /opt/indico/etc/indico.conf /etc/indicovm/templates/indico.conf")).toBe(
      "/opt/indico/etc/indico.conf:BASE_URL = 'https://indico.test:8443'\n" +
        "/etc/indicovm/templates/indico.conf:BASE_URL = 'https://indico.test:8443'\n",
    );
    expect(await sh('grep -c "server_name  *indico.test;" /etc/nginx/conf.d/indico.conf')).toBe('2\n');
    expect(await servedFingerprint(8443, 'indico.test')).toBe(pki.fingerprint);
    expect(await sh('ss -Hltn "sport = :443" | wc -l')).toBe('0\n');
  });

  test('update-redis: AUTH works with a hostile password, indico.conf has it URL-encoded', async () => {
    const run = manage('update-redis', { 'redis-password': REDIS_PASSWORD });
    expect(run.status).toBe(0);
    const pong = await session.runScript(
      `REDISCLI_AUTH=${quote(REDIS_PASSWORD)} redis-cli --no-auth-warning -h 127.0.0.1 ping`,
    );
    expect(pong.stdout).toBe('PONG\n');
    const read = `import json,urllib.parse
ns={}
exec(open('/opt/indico/etc/indico.conf').read(), ns)
print(json.dumps([urllib.parse.unquote(urllib.parse.urlsplit(ns[k]).password) for k in ('CELERY_BROKER','REDIS_CACHE_URL')]))`;
    const out = await session.exec(['python3', '-c', read], { sudo: true });
    expect(JSON.parse(out.stdout)).toEqual([REDIS_PASSWORD, REDIS_PASSWORD]);
    expect(await sh("grep -c '@INDICOVM_REDIS_PASSWORD@' /etc/indicovm/templates/redis.conf || true")).toBe(
      '0\n',
    );
  });

  test('update-redis: Redis not coming back puts the previous files back and restarts it on them', async () => {
    const files = [
      '/etc/redis/indico.conf',
      '/etc/indicovm/templates/redis.conf',
      '/opt/indico/etc/indico.conf',
      '/etc/indicovm/templates/indico.conf',
    ];
    const sums = `sha256sum ${files.join(' ')}; stat -c '%n %a %U %G' ${files.join(' ')}`;
    const before = await sh(sums);
    const pidBefore = (await unitStarts(['redis-server']))['redis-server'];
    // Port 22 is sshd's and privileged: redis-server cannot listen there and fails to start.
    const run = manage('update-redis', { 'redis-password': REFUSED_REDIS_PASSWORD, 'redis-port': '22' });
    expect(run.status).not.toBe(0);
    expect(run.stdout).toMatch(
      /update-redis: the restart of redis-server failed after the edit [\s\S]*The previous Redis drop-in and indico\.conf were put back from their \.indicovm\.bak copies and redis-server was restarted on them\./,
    );
    expect(await sh(sums)).toBe(before);
    expect(await sh('systemctl is-active redis-server')).toBe('active\n');
    expect((await unitStarts(['redis-server']))['redis-server']).not.toBe(pidBefore);
    const pong = await session.runScript(
      `REDISCLI_AUTH=${quote(REDIS_PASSWORD)} redis-cli --no-auth-warning -h 127.0.0.1 ping`,
    );
    expect(pong.stdout).toBe('PONG\n');
    expect(await sh('find /etc/redis /opt/indico/etc /etc/indicovm -name "*.indicovm-new*"')).toBe('');
  });

  test('update-smtp writes valid Python', async () => {
    const run = manage('update-smtp', {
      'smtp-server': 'smtp.example.org',
      'smtp-port': '587',
      'smtp-login': 'indico@example.org',
      'smtp-password': SMTP_PASSWORD,
      'smtp-use-tls': 'true',
    });
    expect(run.status).toBe(0);
    const read = `import json
ns={}
exec(open('/opt/indico/etc/indico.conf').read(), ns)
print(json.dumps([ns['SMTP_SERVER'], ns['SMTP_LOGIN'], ns['SMTP_PASSWORD'], ns['SMTP_USE_TLS']]))`;
    const out = await session.exec(['python3', '-c', read], { sudo: true });
    expect(JSON.parse(out.stdout)).toEqual([
      ['smtp.example.org', 587],
      'indico@example.org',
      SMTP_PASSWORD,
      true,
    ]);
  });

  test('a connection dropped mid-task is reopened, the task runs again and ends as asked; nothing is left', async () => {
    const running = startBundledAction(BUNDLE, {
      ...connectionInputs(vm.hostKey),
      tasks: 'update-redis',
      'redis-password': DROPPED_REDIS_PASSWORD,
    });
    // Once the task has begun, cut this run's own TCP connection to the VM (not the test's session).
    await waitUntil(
      'the task to begin',
      () => running.stdout().includes('::group::update-redis on') || running.child.exitCode !== null,
      60_000,
    );
    expect(running.child.exitCode).toBeNull();
    const cut = cutConnections(running.child.pid!, vm.port);
    const run = await running.done;
    audit('manage update-redis (dropped)', run);
    expect(cut).toBeGreaterThan(0);
    if (run.status !== 0) process.stderr.write(`${run.stdout}\n${run.stderr}\n`);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(
      /::warning::The SSH connection to 127\.0\.0\.1:\d+ dropped during task 'update-redis'; reconnecting and running it again/,
    );
    // The end state is the asked one: Redis answers to the new password, set exactly once.
    const pong = await session.runScript(
      `REDISCLI_AUTH=${quote(DROPPED_REDIS_PASSWORD)} redis-cli --no-auth-warning -h 127.0.0.1 ping`,
    );
    expect(pong.stdout).toBe('PONG\n');
    expect(await sh('grep -c "^requirepass " /etc/redis/indico.conf')).toBe('1\n');
    const orphans = [
      ...processesMatching(run.workspace).map(({ pid, cmdline }) => `local process ${pid} ${cmdline}`),
      ...(
        await sh(
          'find /etc/redis /opt/indico/etc /etc/indicovm /tmp -name "*.indicovm-new*" -o -name ".indicovm-upload-*"',
        )
      )
        .split('\n')
        .filter(Boolean)
        .map((path) => `remote file ${path}`),
    ];
    tallyFault('manage on a VM', 'SSH connection dropped mid-task', orphans);
    expect(orphans).toEqual([]);
  });

  test('config twice: the second run changes nothing, byte for byte', async () => {
    const inputs = {
      'ssl-cert': pki.cert,
      'ssl-key': pki.key,
      'server-name': 'indico.test',
      'https-port': '8443',
      'redis-password': REDIS_PASSWORD,
      'smtp-server': 'smtp.example.org',
      'smtp-port': '587',
      'smtp-login': 'indico@example.org',
      'smtp-password': SMTP_PASSWORD,
      'smtp-use-tls': 'true',
    };
    const sums = `sha256sum ${CONFIG_FILES.join(' ')}; stat -c '%n %a %U %G %Y' ${CONFIG_FILES.join(' ')}`;
    const first = manage('config', inputs);
    expect(first.status).toBe(0);
    const before = await sh(sums);
    const second = manage('config', inputs);
    expect(second.status).toBe(0);
    expect(JSON.parse(second.outputs.changed!)).toEqual({});
    expect(await sh(sums)).toBe(before);
  });

  test('restart really restarts each unit; status reports every component as JSON', async () => {
    const units = ['redis-server', 'postgresql', 'nginx'];
    const before = await unitStarts(units);
    const run = manage('restart,status', { components: 'redis,postgresql,web' });
    expect(run.status).toBe(0);
    const after = await unitStarts(units);
    for (const unit of units) {
      expect({ unit, started: after[unit] }).not.toEqual({ unit, started: before[unit] });
    }
    const status = JSON.parse(run.outputs.status!) as Record<string, { active: string; enabled: string }>;
    expect(Object.keys(status)).toEqual(['redis', 'postgresql', 'web']);
    for (const component of Object.values(status)) {
      expect(component.active).toBe('active');
      expect(component.enabled).toBe('enabled');
    }
    const all = manage('status');
    const every = JSON.parse(all.outputs.status!) as Record<string, { active: string }>;
    // install-indico: false: the Indico units are enabled but wait for the venv.
    expect(every.uwsgi!.active).toBe('inactive');
  });

  test('stop then start one component: status shows it inactive, then active again', async () => {
    const stopped = manage('stop,status', { components: 'redis' });
    expect(stopped.status).toBe(0);
    expect(JSON.parse(stopped.outputs.changed!)).toEqual({ stop: ['redis-server (stop)'] });
    expect(JSON.parse(stopped.outputs.status!)).toMatchObject({ redis: { active: 'inactive' } });
    expect(await sh('systemctl is-active redis-server || true')).toBe('inactive\n');
    // The others are left alone.
    expect(await sh('systemctl is-active nginx postgresql')).toBe('active\nactive\n');
    const started = manage('start,status', { components: 'redis' });
    expect(started.status).toBe(0);
    expect(JSON.parse(started.outputs.status!)).toMatchObject({ redis: { active: 'active' } });
    const pong = await session.runScript(
      `REDISCLI_AUTH=${quote(REDIS_PASSWORD)} redis-cli --no-auth-warning -h 127.0.0.1 ping`,
    );
    expect(pong.stdout).toBe('PONG\n');
  });

  test('run: set -e, env vars, stdout as output', () => {
    const ok = manage('run', {
      script: 'echo "$GREETING from $(hostname)"\necho second',
      envs: "GREETING=it's me",
    });
    expect(ok.status).toBe(0);
    expect(ok.outputs.stdout).toBe("it's me from indicovm-manage\nsecond");
    expect([ok.outputs.stderr, ok.outputs['exit-code']]).toEqual(['', '0']);
    const failing = manage('run,status', { script: 'echo before\necho oops >&2\nexit 3\necho after' });
    expect(failing.status).not.toBe(0);
    expect(failing.stdout).toContain('before');
    expect(failing.stdout).not.toMatch(/^after$/m);
    // A failed script's output and exit code are still outputs, as a shell step's would be.
    expect(failing.outputs).toMatchObject({ stdout: 'before', stderr: 'oops', 'exit-code': '3' });
    // The summary says which task failed and which were not run after it.
    expect(failing.summary).toMatch(/\| run \| failed \| the run script failed with exit code 3/);
    expect(failing.summary).toMatch(/\| status \| skipped \| not run: 'run' failed before it \|/);
  });

  test('backup and logs: the tarball and the journal come back', () => {
    const workspace = tempDir('manage-ws');
    const run = runBundledAction(
      BUNDLE,
      {
        ...connectionInputs(vm.hostKey),
        tasks: 'backup,logs',
        'backup-dir': 'backups',
        components: 'redis,web',
      },
      { workspace, timeoutMs: 300_000 },
    );
    expect(run.status).toBe(0);
    const path = run.outputs['backup-path']!;
    audit('manage backup,logs', run, [path]);
    expect(path.startsWith(join(workspace, 'backups'))).toBe(true);
    const list = spawnSync('tar', ['-tzf', path], { encoding: 'utf8' });
    expect(list.status).toBe(0);
    expect(list.stdout).toContain('indico.dump');
    const journal = readFileSync(run.outputs['logs-path']!, 'utf8');
    expect(journal).toMatch(/redis|nginx/i);
  });

  test('a rolling restart over a fleet: one host at a time, health as the gate, stopped by the first failure', async () => {
    const dead = await freePort();
    const hosts = [`${vm.host}:${vm.port}`, `${vm.host}:${dead}`, `localhost:${vm.port}`];
    const { host: _host, port: _port, ...connection } = connectionInputs(vm.hostKey);
    const before = await unitStarts(['redis-server']);
    const run = runBundledAction(
      BUNDLE,
      {
        ...connection,
        hosts: hosts.join('\n'),
        serial: '1',
        tasks: 'restart',
        components: 'redis',
        timeout: '5',
      },
      { timeoutMs: 300_000 },
    );
    audit('manage fleet', run);
    expect(run.status).toBe(1);
    const results = JSON.parse(run.outputs.results!) as { host: string; outcome: string; tasks: string[] }[];
    expect(results.map((r) => [r.host, r.outcome])).toEqual([
      [hosts[0], 'ok'],
      [hosts[1], 'unreachable'],
      [hosts[2], 'skipped'],
    ]);
    expect(results[0]!.tasks).toEqual(['restart', 'health']);
    expect(run.stdout).toContain(
      `1 of 3 hosts failed: ${hosts[1]} (unreachable); 1 not started (serial stops at the first failure).`,
    );
    // The first host really was restarted, and only once: the third never started.
    const after = await unitStarts(['redis-server']);
    expect(after['redis-server']).not.toEqual(before['redis-server']);
    expect(run.stdout).not.toContain(`[${hosts[2]}] ==>`);
  });

  test('health probes BASE_URL through the tunnel; upgrade says Indico is not installed', () => {
    const run = manage('health');
    expect(run.status).toBe(0);
    const health = JSON.parse(run.outputs.health!) as { url: string; status: number; certificate: string };
    expect(health.url).toBe('https://indico.test:8443');
    expect(health.certificate).toBe(pki.fingerprint);
    // No uWSGI without Indico: nginx answers, with a gateway error.
    expect(health.status).toBe(502);
    const upgrade = manage('upgrade');
    expect(upgrade.status).not.toBe(0);
    expect(upgrade.stdout + upgrade.stderr).toMatch(/Indico is not installed/);
  });
});
