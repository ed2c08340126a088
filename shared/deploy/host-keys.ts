import { ConflictingHostKeys, parseConsoleHostKeys } from '../openstack/console-host-keys.js';
import { errorMessage } from '../errors.js';
import type { DeployNova } from './cloud.js';
import type { Reporter } from '../report/reporter.js';
import { waitFor, WaitTimeoutError } from '../wait.js';

/**
 * Reads the console log until cloud-init's host-key block appears or the time is up. cloud-init prints
 * the keys in its last stage, so an image that still provisions shows them late; none found is a
 * warning, not a failure, because the server itself is fine. Two different blocks are a failure: the
 * keys that output 'host-keys' would pin cannot be told apart from forged ones.
 */
export async function readHostKeys(
  nova: Pick<DeployNova, 'consoleOutput'>,
  serverId: string,
  options: { timeoutMs: number; pollMs: number; reporter: Reporter },
): Promise<string[]> {
  try {
    return await waitFor(`the SSH host keys in the console log of server ${serverId}`, options, async () => {
      try {
        const keys = parseConsoleHostKeys(await nova.consoleOutput(serverId));
        return keys.length > 0 ? keys.map((key) => key.line) : undefined;
      } catch (error) {
        if (error instanceof ConflictingHostKeys) {
          throw new Error(`Server ${serverId}: ${error.message}.`);
        }
        // Some clouds answer 409 or 501 while the console is not ready or not offered at all.
        options.reporter.debug(`Console log of ${serverId} not readable yet: ${errorMessage(error)}`);
        return undefined;
      }
    });
  } catch (error) {
    if (!(error instanceof WaitTimeoutError)) throw error;
    options.reporter.warning(
      `No SSH host keys in the console log of server ${serverId} within ${Math.round(options.timeoutMs / 1000)} s: ` +
        "output 'host-keys' is empty; pin the keys in action-manage another way, or raise 'host-key-timeout'.",
    );
    return [];
  }
}
