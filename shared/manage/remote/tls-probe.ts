import { connect as tlsConnect } from 'node:tls';
import { CommandError, errorMessage } from '../../errors.js';
import type { SshSession } from '../../ssh/index.js';
import { waitFor, WaitTimeoutError } from '../../wait.js';

/** SHA-256 fingerprint of the certificate served on the VM's 127.0.0.1:port, through an SSH tunnel. */
export async function servedCertificate(
  session: SshSession,
  port: number,
  timeoutMs = 10_000,
): Promise<string> {
  const forward = await session.forwardLocal('127.0.0.1', port);
  try {
    return await new Promise<string>((resolve, reject) => {
      const socket = tlsConnect(
        { host: '127.0.0.1', port: forward.port, rejectUnauthorized: false, timeout: timeoutMs },
        () => {
          const fingerprint = socket.getPeerCertificate().fingerprint256;
          socket.end();
          resolve(fingerprint);
        },
      );
      socket.on('timeout', () => socket.destroy(new Error('no TLS handshake')));
      socket.on('error', reject);
    });
  } finally {
    await forward.close();
  }
}

/**
 * A reload returns before the web server's new workers answer (nginx -s reload only signals the
 * master); this waits until the port serves the expected certificate, so the task ends when the
 * change is live and a failure to take effect is reported here rather than found later.
 */
export async function waitForCertificate(
  session: SshSession,
  port: number,
  fingerprint: string,
  timeoutMs = 60_000,
): Promise<void> {
  let last = '';
  try {
    await waitFor(`port ${port} to serve ${fingerprint}`, { timeoutMs, pollMs: 500 }, async () => {
      try {
        last = await servedCertificate(session, port);
        if (last === fingerprint) return true;
        last = `it serves ${last}`;
      } catch (error) {
        last = errorMessage(error);
      }
      return undefined;
    });
  } catch (error) {
    if (!(error instanceof WaitTimeoutError)) throw error;
    throw new CommandError(
      `TLS check of port ${port}`,
      null,
      '',
      `the web server did not serve the certificate ${fingerprint} within ${timeoutMs / 1000} s (${last})`,
    );
  }
}
