// After the whole jest run: print the security and fault counts the suites added up, then stop the
// loopback OpenStack services if this run started them, so a run leaves no process behind.
// INDICOVM_KEEP_SERVICES=1 keeps them for the next local run; services that were already up before
// the run (global-setup.mjs) are left alone.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

const ROWS = [
  ['secretsScanned', 'secrets scanned'],
  ['runsScanned', 'runs scanned for them'],
  ['hostileValues', 'hostile values'],
  ['hostileTries', 'hostile values tried in inputs'],
  ['faultsInjected', 'faults injected'],
  ['leaks', 'leaks found'],
  ['executions', 'injected commands executed'],
  ['orphans', 'orphans found'],
];

function printTally(file) {
  const entries = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
  const totals = Object.fromEntries(ROWS.map(([key]) => [key, 0]));
  const suites = new Set();
  for (const { suite, counts } of entries) {
    suites.add(suite);
    for (const [key, value] of Object.entries(counts)) {
      totals[key] = (totals[key] ?? 0) + value;
    }
  }
  const width = Math.max(...ROWS.map(([, label]) => label.length));
  const lines = ROWS.map(([key, label]) => `  ${label.padEnd(width)}  ${totals[key]}`);
  const findings = entries.flatMap(({ suite, details }) =>
    details.map((detail) => `  ! ${suite}: ${detail}`),
  );
  console.log(
    `\nSecurity and fault tally of this run (${[...suites].sort().join(', ') || 'no suite reported'}):\n` +
      `${lines.join('\n')}${findings.length ? `\n${findings.join('\n')}` : ''}\n`,
  );
}

export default function globalTeardown() {
  const tallyFile = process.env.INDICOVM_TALLY_FILE;
  if (tallyFile && existsSync(tallyFile)) {
    printTally(tallyFile);
    rmSync(tallyFile, { force: true });
  }
  const stateDir = process.env.OSL_STATE_DIR ?? '/tmp/indicovm-openstack';
  const keep =
    process.env.INDICOVM_KEEP_SERVICES === '1' || process.env.INDICOVM_OPENSTACK_WAS_RUNNING === '1';
  if (keep || !existsSync(stateDir)) {
    return;
  }
  execFileSync('bash', [new URL('../infra/openstack/stop.sh', import.meta.url).pathname], {
    stdio: 'inherit',
  });
}
