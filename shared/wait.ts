/**
 * Waiting for something to be so (a server ACTIVE, a console with host keys, a port serving a
 * certificate): one loop with a deadline, a poll interval and the last state seen for the timeout
 * message, instead of one hand-written loop per wait.
 */
import { CommandError } from './errors.js';
import { formatDuration, type Reporter } from './report/reporter.js';

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly pollMs: number;
  /** Told each state lastState reports that differs from the one before, with the time waited. */
  readonly onStateChange?: (state: string, waitedMs: number) => void;
}

export const DEFAULT_WAIT: WaitOptions = { timeoutMs: 30 * 60_000, pollMs: 2000 };

/** Thrown when a wait runs out of time; the last state seen is in the message. */
export class WaitTimeoutError extends CommandError {
  override readonly name = 'WaitTimeoutError';
}

/**
 * Calls probe until it returns a value (not undefined) or throws, or the time is up. lastState says
 * what was seen last, for the timeout message.
 */
export async function waitFor<T>(
  what: string,
  options: Partial<WaitOptions>,
  probe: () => Promise<T | undefined>,
  lastState?: () => string | undefined,
): Promise<T> {
  const { timeoutMs, pollMs, onStateChange } = { ...DEFAULT_WAIT, ...options };
  const started = Date.now();
  const deadline = started + timeoutMs;
  let seen: string | undefined;
  for (;;) {
    const result = await probe();
    const state = lastState?.();
    if (onStateChange && state !== undefined && state !== seen) {
      seen = state;
      onStateChange(state, Date.now() - started);
    }
    if (result !== undefined) {
      return result;
    }
    if (Date.now() + pollMs > deadline) {
      const state = lastState?.();
      throw new WaitTimeoutError(
        `waiting for ${what}`,
        null,
        '',
        `gave up after ${formatDuration(timeoutMs)}${state ? `; last state: ${state}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** "Server 1f…: BUILD (spawning) after 4.0 s", one line per status change. */
export function reportStatus(reporter: Reporter, what: string): (state: string, waitedMs: number) => void {
  return (state, waitedMs) => reporter.info(`${what}: ${state} after ${formatDuration(waitedMs)}`);
}
