import { describe, expect, test } from '@jest/globals';
import { onInterrupt, runInterruptCleanups } from '../../../shared/cleanup/interrupt.js';

describe('interrupt clean-ups', () => {
  test('run latest first, once each, and a failing one does not stop the others', async () => {
    const ran: string[] = [];
    const errors: unknown[] = [];
    onInterrupt(async () => {
      ran.push('build');
    });
    onInterrupt(async () => {
      ran.push('deploy');
      throw new Error('cloud unreachable');
    });
    const finished = onInterrupt(async () => {
      ran.push('finished task');
    });
    finished();
    await runInterruptCleanups((error) => errors.push(error));
    expect(ran).toEqual(['deploy', 'build']);
    expect(errors.map((error) => (error as Error).message)).toEqual(['cloud unreachable']);
    await runInterruptCleanups((error) => errors.push(error));
    expect(ran).toEqual(['deploy', 'build']);
  });
});
