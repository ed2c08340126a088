// Before the jest run: note whether the loopback OpenStack services are already up (another run, or a
// developer keeping them). The teardown then stops only what this run started. Also names the file
// where the suites add up their security and fault counts (test/security/tally.ts); the workers
// inherit the variable.
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function listening(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

export default async function globalSetup() {
  const keystonePort = Number(process.env.OSL_KEYSTONE_PORT ?? 5000);
  process.env.INDICOVM_OPENSTACK_WAS_RUNNING = (await listening(keystonePort)) ? '1' : '0';
  const tallyFile = join(tmpdir(), `indicovm-tally-${process.pid}.jsonl`);
  writeFileSync(tallyFile, '');
  process.env.INDICOVM_TALLY_FILE = tallyFile;
}
