import { describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { killRecordedQemu, QEMU_RESOURCE } from '../../../shared/qemu/process.js';
import { serialLogTail } from '../../../shared/qemu/serial.js';
import { useTempDir } from '../../support/temp-dir.js';

describe('serialLogTail', () => {
  const dir = useTempDir('indicovm-serial-test-');

  test('the last lines, without carriage returns and terminal colours', () => {
    const file = join(dir(), 'serial.log');
    writeFileSync(file, 'one\r\n\u001b[0;32m  OK  \u001b[0m two\r\nthree\r\n\r\n');
    expect(serialLogTail(file, 2)).toBe('  OK   two\nthree');
  });

  test('says so when the log is empty or missing', () => {
    const empty = join(dir(), 'empty.log');
    writeFileSync(empty, '');
    expect(serialLogTail(empty)).toBe('(the serial log is empty)');
    expect(serialLogTail(join(dir(), 'missing.log'))).toBe('(no serial log)');
  });
});

describe('killRecordedQemu', () => {
  test('leaves a recorded pid alone when it is no longer a qemu (pids are reused)', async () => {
    await killRecordedQemu({ kind: QEMU_RESOURCE, id: String(process.pid) });
    expect(() => process.kill(process.pid, 0)).not.toThrow();
  });

  test('a pid that does not exist is already gone', async () => {
    await expect(killRecordedQemu({ kind: QEMU_RESOURCE, id: '999999999' })).resolves.toBeUndefined();
  });
});
