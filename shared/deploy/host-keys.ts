import { ConflictingHostKeys, parseConsoleHostKeys } from '../openstack/console-host-keys.js';
import type { Nova } from '../openstack/nova.js';
import { errorMessage } from '../errors.js';
import type { Reporter } from '../report/reporter.js';

/**
 * Reads the console log until cloud-init's host-key block appears or the time is up. cloud-init prints
 * the keys in its last stage, so an image that still provisions shows them late; none found is a
 * warning, not a failure, because the server itself is fine. Two different blocks are a failure: the
 * keys that output 'host-keys' would pin cannot be told apart from forged ones.
 */
export async function readHostKeys(
  nova: Nova,
  serverId: string,
  options: { timeoutMs: number; pollMs: number; reporter: Reporter },
): Promise<string[]> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    try {
      const keys = parseConsoleHostKeys(await nova.consoleOutput(serverId));
      if (keys.length > 0) {
        return keys.map((key) => key.line);
      }
    } catch (error) {
      if (error instanceof ConflictingHostKeys) {
        throw new Error(`Server ${serverId}: ${error.message}.`);
      }
      // Some clouds answer 409 or 501 while the console is not ready or not offered at all.
      options.reporter.debug(`Console log of ${serverId} not readable yet: ${errorMessage(error)}`);
    }
    if (Date.now() + options.pollMs > deadline) {
      options.reporter.warning(
        `No SSH host keys in the console log of server ${serverId} within ${Math.round(options.timeoutMs / 1000)} s: ` +
          "output 'host-keys' is empty; pin the keys in action-manage another way, or raise 'host-key-timeout'.",
      );
      return [];
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs));
  }
}
