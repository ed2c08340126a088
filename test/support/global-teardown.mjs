// After the whole jest run: stop the loopback OpenStack services if this run started them, so a run
// leaves no process behind. INDICOVM_KEEP_SERVICES=1 keeps them for the next local run; services that
// were already up before the run (global-setup.mjs) are left alone.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export default function globalTeardown() {
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
