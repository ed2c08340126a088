// After the whole jest run: stop the loopback OpenStack services that integration tests started, so
// a run leaves no process behind. INDICOVM_KEEP_SERVICES=1 keeps them for the next local run.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export default function globalTeardown() {
  const stateDir = process.env.OSL_STATE_DIR ?? '/tmp/indicovm-openstack';
  if (process.env.INDICOVM_KEEP_SERVICES === '1' || !existsSync(stateDir)) {
    return;
  }
  execFileSync('bash', [new URL('../infra/openstack/stop.sh', import.meta.url).pathname], {
    stdio: 'inherit',
  });
}
