// action-manage, bundled, against a real Debian 12 VM provisioned by the recipe (install-indico: false,
// firewall: nftables, so that update-server has a firewall to edit).
// Run `npm run bundle` first: the test runs action-manage/dist/index.js as the runner does
// (INDICOVM_MANAGE_BUNDLE names another bundle of action-manage/src/main.ts, e.g. one built by
// `npx ncc build` into a temporary folder while working on the sources).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { generateEd25519KeyPair } from '../../../shared/cloudinit/keys.js';
import {
  installWheelhouse,
  WHEELHOUSE_PARENT,
  WHEELHOUSE_DIR,
  wheelhouseSource,
} from '../../../shared/recipe/wheelhouse.js';
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
import { render, tempDir } from '../../unit/recipe/helpers.js';

/** Debian's own wheels (python3-pip-whl, python3-setuptools-whl, python3-wheel-whl). */
const DEBIAN_WHEELS = '/usr/share/python-wheels';

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

/**
 * python-wheelhouse on the recipe VM with real wheels: Debian's own (pip, setuptools, wheel; PyPI and
 * Indico's wheels are out of reach here). Sent as a tarball and as a folder over the verified session,
 * then installed by the VM's pip as the Indico user with the recipe's own pip environment.
 */
describe('python-wheelhouse on a recipe VM', () => {
  const wheels = readdirSync(DEBIAN_WHEELS)
    .filter((name) => name.endsWith('.whl'))
    .sort();
  const reporter = { info: () => undefined, relay: () => undefined };

  async function remoteWheelhouse(): Promise<string[]> {
    const listing = await session.exec(
      ['sh', '-c', 'cd "$1" && stat -c "%n %a %U:%G" -- *', 'sh', WHEELHOUSE_DIR],
      { sudo: true },
    );
    return listing.stdout.trim().split('\n').sort();
  }

  test('a tarball, then a folder that replaces it: the wheels land flat, root-owned 0644', async () => {
    const dir = tempDir('manage-vm-wheelhouse');
    mkdirSync(join(dir, 'wheelhouse', 'nested'), { recursive: true });
    for (const name of wheels)
      copyFileSync(join(DEBIAN_WHEELS, name), join(dir, 'wheelhouse', 'nested', name));
    const tarball = join(dir, 'wheelhouse.tar.gz');
    expect(spawnSync('tar', ['-czf', tarball, '-C', dir, 'wheelhouse']).status).toBe(0);
    await installWheelhouse(session, wheelhouseSource(tarball, '/'), reporter);
    expect(await remoteWheelhouse()).toEqual(wheels.map((name) => `${name} 644 root:root`));

    const folder = join(dir, 'two');
    mkdirSync(folder);
    for (const name of wheels.slice(0, 2)) copyFileSync(join(DEBIAN_WHEELS, name), join(folder, name));
    await installWheelhouse(session, wheelhouseSource(folder, '/'), reporter);
    expect(await remoteWheelhouse()).toEqual(wheels.slice(0, 2).map((name) => `${name} 644 root:root`));
  });

  test('an https URL is fetched by the VM itself, trusting the site CA it was given; a missing one is an error', async () => {
    const dir = tempDir('manage-vm-wheelhouse-url');
    mkdirSync(join(dir, 'wheelhouse'));
    for (const name of wheels) copyFileSync(join(DEBIAN_WHEELS, name), join(dir, 'wheelhouse', name));
    const tarball = join(dir, 'wheelhouse.tar.gz');
    expect(spawnSync('tar', ['-czf', tarball, '-C', dir, 'wheelhouse']).status).toBe(0);
    // The guest reaches this machine's loopback as 10.0.2.2 (qemu's user network).
    const { cert, key } = selfSignedPair(dir, '10.0.2.2', { subjectAltName: 'IP:10.0.2.2' });
    const requested: string[] = [];
    const server = createHttpsServer({ cert, key }, (request, response) => {
      requested.push(request.url ?? '');
      if (request.url === '/wheelhouse.tar.gz') response.end(readFileSync(tarball));
      else response.writeHead(404).end();
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    const base = `https://10.0.2.2:${(server.address() as AddressInfo).port}`;
    const caPath = '/usr/local/share/ca-certificates/indicovm-test-wheelhouse.crt';
    await session.upload(cert, caPath, { sudo: true });
    await session.exec(['update-ca-certificates'], { sudo: true });
    try {
      await installWheelhouse(session, wheelhouseSource(`${base}/wheelhouse.tar.gz`, '/'), reporter);
      expect(await remoteWheelhouse()).toEqual(wheels.map((name) => `${name} 644 root:root`));
      await expect(
        installWheelhouse(session, wheelhouseSource(`${base}/missing.tar.gz`, '/'), reporter),
      ).rejects.toThrow(/python-wheelhouse: cannot download https:\/\/10\.0\.2\.2:\d+\/missing\.tar\.gz/);
      expect(requested).toEqual(['/wheelhouse.tar.gz', '/missing.tar.gz']);
    } finally {
      server.close();
      await session.exec(['rm', '-rf', '--', caPath, WHEELHOUSE_PARENT], { sudo: true });
      await session.exec(['update-ca-certificates', '--fresh'], { sudo: true });
    }
  });

  test("the VM's pip installs from it as the Indico user with no index; what it lacks is not looked for elsewhere", async () => {
    const dir = tempDir('manage-vm-wheelhouse-folder');
    for (const name of wheels) copyFileSync(join(DEBIAN_WHEELS, name), join(dir, name));
    await installWheelhouse(session, wheelhouseSource(dir, '/'), reporter);
    const script = render({ 'python-wheelhouse': dir }).script;
    const asIndico = /^as_indico\(\) \{\n.*\n\}$/m.exec(script)?.[0];
    expect(asIndico).toContain('PIP_NO_INDEX=1');
    const pipWheel = wheels.find((name) => name.startsWith('pip-'))!;
    // pip runs from its own wheel (the VM has no python3-venv: install-indico is false).
    const install = (packages: string) =>
      session.exec(
        [
          'sh',
          '-c',
          `INSTALL_DIR=/opt/indico INDICO_USER=indico
${asIndico}
rm -rf "$INSTALL_DIR/.wheelhouse-check"
as_indico python3 ${WHEELHOUSE_DIR}/${pipWheel}/pip install --target "$INSTALL_DIR/.wheelhouse-check" ${packages}
ls "$INSTALL_DIR/.wheelhouse-check" | grep 'dist-info$'`,
        ],
        { sudo: true, allowFailure: true },
      );
    try {
      const installed = await install('setuptools wheel');
      expect(installed.stderr).not.toMatch(/error/i);
      expect(installed.code).toBe(0);
      const version = (name: string) => wheels.find((w) => w.startsWith(`${name}-`))!.split('-')[1];
      const lines = installed.stdout.trim().split('\n');
      // pip looked in the wheelhouse only, and installed Debian's wheels from it.
      expect(lines).toContain(`Looking in links: ${WHEELHOUSE_DIR}`);
      expect(lines.filter((line) => /^Looking in indexes/.test(line))).toEqual([]);
      expect(lines.filter((line) => line.endsWith('.dist-info')).sort()).toEqual([
        `setuptools-${version('setuptools')}.dist-info`,
        `wheel-${version('wheel')}.dist-info`,
      ]);
      const missing = await install('indico');
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain('No matching distribution found for indico');
      expect(missing.stdout + missing.stderr).not.toMatch(/Looking in indexes|Retrying/);
    } finally {
      await session.exec(['rm', '-rf', '--', '/opt/indico/.wheelhouse-check', WHEELHOUSE_PARENT], {
        sudo: true,
      });
    }
  });

  test('upgrade with a wheelhouse on a VM without Indico says so and sends nothing', async () => {
    const dir = tempDir('manage-vm-wheelhouse-upgrade');
    for (const name of wheels) copyFileSync(join(DEBIAN_WHEELS, name), join(dir, name));
    const run = manage('upgrade', { 'python-wheelhouse': dir });
    expect(run.status).not.toBe(0);
    expect(run.stdout + run.stderr).toMatch(/Indico is not installed/);
    expect(run.stdout + run.stderr).not.toContain('python-wheelhouse: sending');
    const left = await session.exec(['test', '-e', '/var/cache/indicovm'], { allowFailure: true });
    expect(left.code).toBe(1);
  });
});

/**
 * What the sealer leaves for a clone (no first-boot stamp), booted for real: the first boot must give
 * every consumer the same new secrets, and a boot after it must change nothing. On the shared VM, so
 * it comes last: the secrets the other tests used are gone afterwards.
 */
describe('a clone of the recipe VM: first boot, then a second boot', () => {
  /** Hashes of the stored secrets, of what each consumer holds, and the certificates. */
  const CONSUMERS = `set -eu
. /etc/indicovm/secrets.env
h() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
echo "stored REDIS_PASSWORD $(h "$REDIS_PASSWORD")"
echo "stored SECRET_KEY $(h "$SECRET_KEY")"
echo "stored DB_PASSWORD $(h "$DB_PASSWORD")"
python3 - <<'PY'
import hashlib, urllib.parse
ns = {}
exec(open("/opt/indico/etc/indico.conf").read(), ns)
h = lambda v: hashlib.sha256(v.encode()).hexdigest()
pw = lambda url: urllib.parse.unquote(urllib.parse.urlsplit(url).password or "")
print("indico.conf SECRET_KEY", h(ns["SECRET_KEY"]))
print("indico.conf DB_PASSWORD", h(pw(ns["SQLALCHEMY_DATABASE_URI"])))
print("indico.conf CELERY_BROKER", h(pw(ns["CELERY_BROKER"])))
print("indico.conf REDIS_CACHE_URL", h(pw(ns["REDIS_CACHE_URL"])))
# Redis and PostgreSQL take what indico.conf (so uWSGI and Celery) holds: AUTH over RESP, psql.
import os, socket, subprocess
secret = pw(ns["CELERY_BROKER"]).encode()
with socket.create_connection(("127.0.0.1", 6379)) as redis:
    redis.sendall(b"*2\\r\\n$4\\r\\nAUTH\\r\\n$%d\\r\\n%s\\r\\n" % (len(secret), secret))
    if redis.recv(64).startswith(b"+OK"):
        print("redis takes indico.conf's password")
env = dict(os.environ, PGPASSWORD=pw(ns["SQLALCHEMY_DATABASE_URI"]))
if subprocess.run(["psql", "-h", "127.0.0.1", "-U", "indico", "-d", "indico", "-Atc", "select 1"], env=env, capture_output=True).returncode == 0:
    print("postgresql takes indico.conf's password")
PY
echo "uwsgi $(sed -n 's/^env = INDICO_CONFIG=//p' /etc/uwsgi-indico.ini)"
echo "celery $(systemctl show -p Environment --value indico-celery.service | tr ' ' '\\n' | sed -n 's/^INDICO_CONFIG=//p')"
echo "installed certificate $(openssl x509 -in /etc/ssl/indico/indico.crt -noout -fingerprint -sha256 | cut -d= -f2)"
# update-server (earlier in this file) may have moved HTTPS off 443: BASE_URL says where it is.
port=$(python3 -c 'import urllib.parse; ns = {}; exec(open("/opt/indico/etc/indico.conf").read(), ns); print(urllib.parse.urlsplit(ns["BASE_URL"]).port or 443)')
echo "nginx serves $(openssl s_client -connect "127.0.0.1:$port" -servername indico.test </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256 | cut -d= -f2)"
`;
  /** The stack's state a boot could change: its files, the role's stored password, the stamp. */
  const STATE = `set -eu
find /etc/indicovm /opt/indico/etc /etc/redis /etc/nginx /etc/ssl/indico /etc/uwsgi-indico.ini \\
  /etc/systemd/system /var/lib/indicovm -xdev -type f -print0 | sort -z | xargs -0 sha256sum
runuser -u postgres -- psql -Atc "select rolname, rolpassword from pg_authid where rolname = 'indico'" | sha256sum
`;

  async function readLines(script: string): Promise<Map<string, string>> {
    const result = await session.runScript(script, { sudo: true });
    return new Map(
      result.stdout
        .trim()
        .split('\n')
        .map((line) => {
          const at = line.lastIndexOf(' ');
          return [line.slice(0, at), line.slice(at + 1)] as [string, string];
        }),
    );
  }

  /** Reboots the VM and logs in again once it answers (the host key is the seed's, kept across boots). */
  async function reboot(): Promise<void> {
    await session.exec(['systemctl', 'reboot'], { sudo: true, allowFailure: true }).catch(() => undefined);
    await session.close().catch(() => undefined);
    const deadline = Date.now() + 480_000;
    for (;;) {
      await new Promise((done) => setTimeout(done, 5_000));
      try {
        session = await connect(
          {
            host: vm.host,
            port: vm.port,
            username: vm.username,
            privateKey: vm.privateKey,
            hostKeys: vm.hostKey,
          },
          new TerminalReporter(),
        );
        await session.exec(['systemctl', 'is-system-running', '--wait'], {
          allowFailure: true,
          timeoutMs: 300_000,
        });
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
    }
  }

  test('the first boot regenerates; indico.conf, uWSGI, Celery, Redis, PostgreSQL and nginx agree; the next boot changes nothing', async () => {
    const before = await readLines(CONSUMERS);
    await session.exec(['rm', '-f', '/var/lib/indicovm/firstboot.done'], { sudo: true });
    await reboot();

    const first = await readLines(CONSUMERS);
    for (const name of ['SECRET_KEY', 'DB_PASSWORD']) {
      expect(first.get(`stored ${name}`)).toMatch(/^[0-9a-f]{64}$/);
      expect(first.get(`stored ${name}`)).not.toBe(before.get(`stored ${name}`));
      expect(first.get(`indico.conf ${name}`)).toBe(first.get(`stored ${name}`));
    }
    // The Redis password: regenerated when it was generated; one set with update-redis (earlier in
    // this file) is the user's, written into the templates, and a clone keeps it like a given option.
    const redisWasGenerated = before.get('stored REDIS_PASSWORD') === before.get('indico.conf CELERY_BROKER');
    expect(first.get('indico.conf CELERY_BROKER')).toBe(
      redisWasGenerated ? first.get('stored REDIS_PASSWORD') : before.get('indico.conf CELERY_BROKER'),
    );
    if (redisWasGenerated) {
      expect(first.get('stored REDIS_PASSWORD')).not.toBe(before.get('stored REDIS_PASSWORD'));
    }
    expect(first.get('indico.conf REDIS_CACHE_URL')).toBe(first.get('indico.conf CELERY_BROKER'));
    expect(first.get('uwsgi')).toBe('/opt/indico/etc/indico.conf');
    expect(first.get('celery')).toBe('/opt/indico/etc/indico.conf');
    expect(first.get("redis takes indico.conf's")).toBe('password');
    expect(first.get("postgresql takes indico.conf's")).toBe('password');
    expect(first.get('installed certificate')).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(first.get('nginx serves')).toBe(first.get('installed certificate'));
    // A certificate loaded with load-ssl (earlier in this file) is the user's and stays; a
    // self-signed one is made anew.
    if (before.get('installed certificate') === pki.fingerprint) {
      expect(first.get('installed certificate')).toBe(pki.fingerprint);
    } else {
      expect(first.get('installed certificate')).not.toBe(before.get('installed certificate'));
    }
    expect(
      (await session.exec(['test', '-e', '/var/lib/indicovm/firstboot.done'], { allowFailure: true })).code,
    ).toBe(0);

    const stateAfterFirst = (await session.runScript(STATE, { sudo: true })).stdout;
    await reboot();
    expect((await session.runScript(STATE, { sudo: true })).stdout).toBe(stateAfterFirst);
    expect(await readLines(CONSUMERS)).toEqual(first);
    const unit = await session.exec(
      ['systemctl', 'show', '-p', 'ConditionResult', '--value', 'indicovm-firstboot.service'],
      {},
    );
    expect(unit.stdout.trim()).toBe('no');
  }, 1_200_000);
});
