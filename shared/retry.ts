/**
 * Trying again after a failure that may pass: one schedule for the OpenStack API, SSH connections and
 * downloads. Waits grow exponentially with full jitter (many clients failing together do not come
 * back together), and a server's Retry-After, when it gives one, is waited for instead.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface Backoff {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export interface RetryPlan extends Backoff {
  /** Attempts in all, the first one included (at least). */
  readonly attempts: number;
  /** Keep trying past `attempts` until this long after the first attempt. */
  readonly forMs?: number;
  readonly random?: () => number;
}

/** A failed attempt's verdict: give up, or try again (after `afterMs` when the server said when). */
export type RetryVerdict = { readonly retry: false } | { readonly retry: true; readonly afterMs?: number };

/** Exponential backoff with full jitter: uniform in [0, min(max, base * 2^(attempt-1))]. */
export function backoffDelay(attempt: number, policy: Backoff, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/** Retry-After as delta-seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) {
    return Number(trimmed) * 1000;
  }
  const date = Date.parse(trimmed);
  if (Number.isNaN(date) || !/[A-Za-z]/.test(trimmed)) {
    return undefined;
  }
  return Math.max(0, date - now);
}

export interface RetryHooks {
  /** Told before each wait. */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** The error to throw when the plan is used up on an error worth retrying (default: that error). */
  readonly exhausted?: (error: unknown, attempts: number) => Error;
}

/** Runs attempt() until it succeeds, the verdict says stop, or the plan is used up. */
export async function withRetry<T>(
  plan: RetryPlan,
  attempt: (n: number) => Promise<T>,
  verdict: (error: unknown, n: number) => RetryVerdict,
  hooks: RetryHooks = {},
): Promise<T> {
  const started = Date.now();
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      const judged = verdict(error, n);
      if (!judged.retry) throw error;
      const delay = judged.afterMs ?? backoffDelay(n, plan, plan.random);
      if (n >= Math.max(1, plan.attempts) && Date.now() - started + delay > (plan.forMs ?? 0)) {
        throw hooks.exhausted ? hooks.exhausted(error, n) : error;
      }
      hooks.onRetry?.(error, n, delay);
      await sleep(delay);
    }
  }
}
