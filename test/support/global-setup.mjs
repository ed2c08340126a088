// Before the jest run: note whether the loopback OpenStack services are already up (another run, or a
// developer keeping them). The teardown then stops only what this run started.
import { connect } from 'node:net';

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
}
