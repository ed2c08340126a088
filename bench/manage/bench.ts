// The `config` task set, indicovm (the bundled action-manage) against Fabric 2 doing the same edits
// on the same recipe VM, and against the bound of one ssh running one script (one-ssh.ts). See README.md. Run: npx tsx bench/manage/bench.ts [rounds]
// Prints a table and writes the numbers as JSON to bench/results/manage-<ISO time>.json.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { recipeVm } from '../../test/support/recipe-vm.js';
import { REPO, runBundledAction } from '../../test/support/run-action.js';
import { selfSignedPair } from '../../test/support/tls.js';
import { OneSsh, type FileState } from './one-ssh.js';
import { manageRecord, median, writeManageResults } from './results.js';

const ROUNDS = Number(process.argv[2] ?? 3);
const FABRIC = fileURLToPath(new URL('./fabric_config.py', import.meta.url));
const PYTHON = '/usr/bin/python3';
const work = mkdtempSync(join(tmpdir(), 'indicovm-bench-manage-'));

const makeCert = (cn: string) => selfSignedPair(work, cn, { name: cn });

interface Values {
  serverName: string;
  httpsPort: number;
  redisPassword: string;
  smtpPassword: string;
  cert: string;
  key: string;
}

/** One value set: every value differs between sets, and the Redis password needs quoting. */
function valueSet(name: string, httpsPort: number, passwordEnd: string): Values {
  return {
    serverName: `indico-${name}.test`,
    httpsPort,
    redisPassword: `${name} p@ss'"\\$${passwordEnd}`,
    smtpPassword: `smtp-${name}`,
    ...makeCert(`indico-${name}.test`),
  };
}

const sets: Record<'A' | 'B' | 'C', Values> = {
  A: valueSet('a', 8443, 'x'),
  B: valueSet('b', 9443, 'y'),
  C: valueSet('c', 10443, 'z'),
};

const vm = await recipeVm();
// A failed round must not leave the recipe VM running (two cores, 2 GiB each).
try {
  const keyFile = join(work, 'id');
  writeFileSync(keyFile, vm.privateKey.reveal(), { mode: 0o600 });
  const oneSsh = new OneSsh({ ...vm, keyFile }, work);

  // Where the recipe VM keeps what config edits (as fabric_config.py finds them).
  const hostEnv = Object.fromEntries(
    oneSsh
      .run('cat /etc/indicovm/host.env')
      .stdout.split('\n')
      .filter((line) => line.includes('='))
      .map((line) => line.split('=', 2) as [string, string]),
  );
  const VHOST = '/etc/nginx/conf.d/indico.conf';
  const vhostText = oneSsh.run(`cat ${VHOST}`).stdout;
  const roles = {
    vhost: VHOST,
    certificate: /^\s*ssl_certificate\s+(\S+);/m.exec(vhostText)![1]!,
    key: /^\s*ssl_certificate_key\s+(\S+);/m.exec(vhostText)![1]!,
    indicoConf: '/opt/indico/etc/indico.conf',
    redisDropIn: hostEnv.REDIS_DROP_IN ?? '/etc/redis/indico.conf',
  };
  const CONFIG_FILES = [
    ...Object.values(roles),
    '/etc/indicovm/templates/indico.conf',
    '/etc/indicovm/templates/redis.conf',
    '/usr/local/sbin/indicovm-firstboot',
  ];

  /** The bound: the files indicovm wrote for the set, put in place by one ssh and one script. */
  function bound(v: Values, files: readonly FileState[]): { seconds: number; changed: unknown } {
    return oneSsh.apply(files, roles, {
      httpsPort: v.httpsPort,
      redisPort: 6379,
      redisPassword: v.redisPassword,
      redisService: hostEnv.REDIS_SERVICE ?? 'redis-server',
    });
  }

  function indicovm(v: Values): { seconds: number; changed: unknown } {
    const started = process.hrtime.bigint();
    const run = runBundledAction(
      'action-manage/dist/index.js',
      {
        host: vm.host,
        port: String(vm.port),
        username: vm.username,
        'ssh-key': vm.privateKey.reveal(),
        'host-keys': vm.hostKey,
        tasks: 'config',
        'ssl-cert': v.cert,
        'ssl-key': v.key,
        'server-name': v.serverName,
        'https-port': String(v.httpsPort),
        'redis-password': v.redisPassword,
        'smtp-server': 'smtp.example.org',
        'smtp-port': '587',
        'smtp-login': 'indico',
        'smtp-password': v.smtpPassword,
        'smtp-use-tls': 'true',
      },
      { timeoutMs: 600_000 },
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (run.status !== 0) throw new Error(`indicovm failed:\n${run.stdout}\n${run.stderr}`);
    return { seconds, changed: JSON.parse(run.outputs.changed ?? '{}') };
  }

  function fabric(v: Values): { seconds: number; changed: unknown } {
    const input = JSON.stringify({
      host: vm.host,
      port: vm.port,
      user: vm.username,
      key_file: keyFile,
      host_key: vm.hostKey,
      install_dir: '/opt/indico',
      values: {
        cert: v.cert,
        key: v.key,
        server_name: v.serverName,
        https_port: v.httpsPort,
        http_port: 80,
        redis_password: v.redisPassword,
        redis_port: 6379,
        smtp_server: 'smtp.example.org',
        smtp_port: 587,
        smtp_login: 'indico',
        smtp_password: v.smtpPassword,
        smtp_use_tls: true,
      },
    });
    const started = process.hrtime.bigint();
    const run = spawnSync(PYTHON, [FABRIC], { input, encoding: 'utf8', timeout: 600_000 });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (run.status !== 0) throw new Error(`fabric failed:\n${run.stdout}\n${run.stderr}`);
    return { seconds, changed: (JSON.parse(run.stdout) as { changed: string[] }).changed };
  }

  const empty = (changed: unknown): boolean =>
    Array.isArray(changed) ? changed.length === 0 : Object.keys(changed as object).length === 0;

  // Same edits: after indicovm wrote set A, Fabric with set A must find nothing to change, and back.
  indicovm(sets.A);
  const filesOfA = oneSsh.snapshot(CONFIG_FILES);
  const fabricAfterIndicovm = fabric(sets.A);
  if (!empty(fabricAfterIndicovm.changed)) {
    throw new Error(
      `Fabric changed files indicovm had written: ${JSON.stringify(fabricAfterIndicovm.changed)}`,
    );
  }
  fabric(sets.B);
  const indicovmAfterFabric = indicovm(sets.B);
  if (!empty(indicovmAfterFabric.changed)) {
    throw new Error(
      `indicovm changed files Fabric had written: ${JSON.stringify(indicovmAfterFabric.changed)}`,
    );
  }
  // The bound's set C is what indicovm writes for it; the bound with set A must then write what
  // indicovm wrote for A, and indicovm with A after it must change nothing.
  indicovm(sets.C);
  const filesOfC = oneSsh.snapshot(CONFIG_FILES);
  bound(sets.A, filesOfA);
  const indicovmAfterBound = indicovm(sets.A);
  if (!empty(indicovmAfterBound.changed)) {
    throw new Error(
      `indicovm changed files the bound had written: ${JSON.stringify(indicovmAfterBound.changed)}`,
    );
  }
  // Leaves set C in place, so that every round's first indicovm run (set A) changes everything.
  bound(sets.C, filesOfC);

  const times = {
    indicovmChange: [] as number[],
    indicovmNoop: [] as number[],
    fabricChange: [] as number[],
    fabricNoop: [] as number[],
    boundChange: [] as number[],
    boundNoop: [] as number[],
  };
  for (let round = 0; round < ROUNDS; round++) {
    const i1 = indicovm(sets.A);
    const i2 = indicovm(sets.A);
    const f1 = fabric(sets.B);
    const f2 = fabric(sets.B);
    const b1 = bound(sets.C, filesOfC);
    const b2 = bound(sets.C, filesOfC);
    if ([i1, f1, b1].some((run) => empty(run.changed)) || [i2, f2, b2].some((run) => !empty(run.changed))) {
      const pattern = [i1, i2, f1, f2, b1, b2].map((run) => (empty(run.changed) ? 'none' : 'changed'));
      throw new Error(
        `unexpected change pattern in round ${round + 1} (indicovm, indicovm, Fabric, Fabric, bound, bound): ${pattern.join(' ')}`,
      );
    }
    times.indicovmChange.push(i1.seconds);
    times.indicovmNoop.push(i2.seconds);
    times.fabricChange.push(f1.seconds);
    times.fabricNoop.push(f2.seconds);
    times.boundChange.push(b1.seconds);
    times.boundNoop.push(b2.seconds);
    process.stderr.write(
      `round ${round + 1}: ${[i1, i2, f1, f2, b1, b2].map((r) => r.seconds.toFixed(2)).join(' ')}\n`,
    );
  }

  const fabricVersion = spawnSync(PYTHON, ['-c', 'import fabric; print(fabric.__version__)'], {
    encoding: 'utf8',
  }).stdout.trim();
  const row = (name: string, ours: number[], fab: number[], one: number[]): string => {
    const [i, f, b] = [ours, fab, one].map(median) as [number, number, number];
    return `| ${name} | ${i.toFixed(2)} | ${f.toFixed(2)} | ${b.toFixed(2)} | ${(i / f).toFixed(2)} | ${(i / b).toFixed(2)} |`;
  };
  console.log(
    `Median wall time of ${ROUNDS} rounds, seconds (Fabric ${fabricVersion}, node ${process.version}):\n`,
  );
  console.log(
    '| config run | indicovm (bundled action) | Fabric 2 | one ssh, one script (bound) | indicovm / Fabric | indicovm / bound (target ≤ 1.10) |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  console.log(row('changes everything', times.indicovmChange, times.fabricChange, times.boundChange));
  console.log(row('changes nothing (second run)', times.indicovmNoop, times.fabricNoop, times.boundNoop));
  const file = writeManageResults(
    join(REPO, 'bench/results'),
    manageRecord(times, { node: process.version, fabric: fabricVersion }),
  );
  console.log(`\nwrote ${file}`);
} finally {
  await vm.stop();
  rmSync(work, { recursive: true, force: true });
}
