// `config` on a fleet of 10 hosts against the same on one host, from one run: the bundled
// action-manage with `hosts` (max-parallel 10) and with `host`. See README.md ("Fleet").
// Run: npx tsx bench/manage/fleet.ts [rounds]
//
// One VM stands for the ten hosts: each extra host is a TCP forward on 127.0.0.1 to the VM's SSH
// port, so each is its own endpoint with its own SSH connection and session, and the same host key.
// The runs are `config` with the values already in place (the steady state of a fleet: every host
// reads, compares and changes nothing), because ten runs changing the same files of one VM at once
// would race each other, which ten real hosts would not. That row still has the one VM (2 vCPUs under
// TCG) do ten hosts' remote work; the `run: sleep 3` row is remote work that waits instead of
// computing, which shows the fan-out itself.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect as tcpConnect, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recipeVm } from '../../test/support/recipe-vm.js';
import { startBundledAction } from '../../test/support/run-action.js';
import { selfSignedPair } from '../../test/support/tls.js';
import { median } from './results.js';

const ROUNDS = Number(process.argv[2] ?? 3);
const HOSTS = 10;
const work = mkdtempSync(join(tmpdir(), 'indicovm-bench-fleet-'));

/** A TCP forward from a free port on 127.0.0.1 to `port`: one more host name for the same VM. */
async function forwardTo(port: number): Promise<Server> {
  const server = createServer((client) => {
    const upstream = tcpConnect(port, '127.0.0.1');
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const vm = await recipeVm();
const forwards = await Promise.all(Array.from({ length: HOSTS - 1 }, () => forwardTo(vm.port)));
const ports = [vm.port, ...forwards.map((f) => (f.address() as AddressInfo).port)];
const { cert, key } = selfSignedPair(work, 'indico-fleet.test');
const values = {
  'ssh-username': vm.username,
  'ssh-key': vm.privateKey.reveal(),
  'host-keys': vm.hostKey,
  tasks: 'config',
  'ssl-cert': cert,
  'ssl-key': key,
  'server-name': 'indico-fleet.test',
  'https-port': '8443',
  'redis-password': 'fleet-redis',
  'smtp-server': 'smtp.example.org',
  'smtp-port': '587',
  'smtp-login': 'indico',
  'smtp-password': 'fleet-smtp',
  'smtp-use-tls': 'true',
};

// Started in the background, not with spawnSync: the forwards live in this process's event loop.
async function run(
  where: Record<string, string>,
): Promise<{ seconds: number; outputs: Record<string, string> }> {
  const started = process.hrtime.bigint();
  const result = await startBundledAction('action-manage/dist/index.js', { ...values, ...where }).done;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`manage failed:\n${result.stdout}\n${result.stderr}`);
  return { seconds, outputs: result.outputs };
}

const one = { host: vm.host, port: String(vm.port) };
const fleet = { hosts: ports.map((port) => `${vm.host}:${port}`).join('\n'), 'max-parallel': String(HOSTS) };

// Remote work that waits rather than computes (a restart, a migration, a slow disk), here `sleep 3`:
// ten hosts take as long as one when the fan-out works, whatever the one VM's CPUs could do.
const waiting = { tasks: 'run', script: 'sleep 3' };

// Converge once, then every timed run changes nothing on any host.
await run(one);
const times = {
  one: [] as number[],
  fleet: [] as number[],
  waitOne: [] as number[],
  waitFleet: [] as number[],
};
for (let round = 0; round < ROUNDS; round++) {
  const single = await run(one);
  if (single.outputs.changed !== '{}')
    throw new Error(`a steady-state run changed ${single.outputs.changed}`);
  const many = await run(fleet);
  const results = JSON.parse(many.outputs.results!) as { outcome: string; changed: object }[];
  if (
    results.length !== HOSTS ||
    results.some((r) => r.outcome !== 'ok' || Object.keys(r.changed).length > 0)
  ) {
    throw new Error(`unexpected fleet results: ${many.outputs.results}`);
  }
  times.one.push(single.seconds);
  times.fleet.push(many.seconds);
  times.waitOne.push((await run({ ...one, ...waiting })).seconds);
  times.waitFleet.push((await run({ ...fleet, ...waiting })).seconds);
  process.stderr.write(
    `round ${round + 1}: config one ${single.seconds.toFixed(2)} s, ${HOSTS} hosts ${many.seconds.toFixed(2)} s; ` +
      `sleep one ${times.waitOne.at(-1)!.toFixed(2)} s, ${HOSTS} hosts ${times.waitFleet.at(-1)!.toFixed(2)} s\n`,
  );
}

const row = (what: string, one: number[], many: number[]): string => {
  const ratio = median(many) / median(one);
  return `| ${what} | ${median(one).toFixed(2)} | ${median(many).toFixed(2)} | ${ratio.toFixed(2)} | ≤ 2.00 ${ratio <= 2 ? 'met' : 'NOT met'} |`;
};
const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(`Median wall time of ${ROUNDS} rounds, seconds (node ${process.version}, load ${load}):\n`);
console.log(`| bundled action-manage | 1 host | ${HOSTS} hosts (max-parallel ${HOSTS}) | ratio | target |`);
console.log('| --- | ---: | ---: | ---: | ---: |');
console.log(row("config, changing nothing (the one VM does all ten hosts' work)", times.one, times.fleet));
console.log(row('run: sleep 3 (remote work that waits)', times.waitOne, times.waitFleet));
forwards.forEach((f) => f.close());
await vm.stop();
rmSync(work, { recursive: true, force: true });
