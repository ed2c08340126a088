import { describe, expect, test } from '@jest/globals';
import { withRetry } from '../../../shared/retry.js';

const plan = { attempts: 3, baseDelayMs: 1, maxDelayMs: 4 };

describe('withRetry', () => {
  test('tries again while the verdict says so, waiting what the server asked for, then wraps the last error', async () => {
    const waits: number[] = [];
    let calls = 0;
    const run = withRetry(
      plan,
      async () => {
        calls += 1;
        throw Object.assign(new Error(`busy ${calls}`), { retryAfterMs: 5 });
      },
      (error) => ({ retry: true, afterMs: (error as { retryAfterMs: number }).retryAfterMs }),
      {
        onRetry: (_error, _n, delay) => waits.push(delay),
        exhausted: (error, n) => new Error(`gave up after ${n}: ${(error as Error).message}`),
      },
    );
    await expect(run).rejects.toThrow('gave up after 3: busy 3');
    expect(waits).toEqual([5, 5]);
  });

  test('an error the verdict calls permanent is thrown at once, as it is', async () => {
    let calls = 0;
    const permanent = new Error('404');
    await expect(
      withRetry(
        plan,
        async () => {
          calls += 1;
          throw permanent;
        },
        () => ({ retry: false }),
      ),
    ).rejects.toBe(permanent);
    expect(calls).toBe(1);
  });

  test('without Retry-After the waits are jittered below a doubling ceiling; forMs keeps trying past attempts', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await withRetry(
      { attempts: 1, baseDelayMs: 2, maxDelayMs: 8, forMs: 200, random: () => 0.99 },
      async (n) => {
        calls = n;
        if (n < 5) throw new Error('not yet');
        return 'up';
      },
      () => ({ retry: true }),
      { onRetry: (_e, _n, delay) => waits.push(delay) },
    );
    expect([result, calls]).toEqual(['up', 5]);
    expect(waits).toEqual([1, 3, 7, 7]);
  });
});
