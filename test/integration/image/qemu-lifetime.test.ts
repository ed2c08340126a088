/** A real qemu (TCG, blank disk: it idles in the firmware): ledger record, loopback-only forward, stop, kill. */
import { afterAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger } from '../../../shared/cleanup/ledger.js';
import { killRecordedQemu, QEMU_RESOURCE, startQemu } from '../../../shared/qemu/process.js';
import { running } from '../../support/processes.js';
import { silentReporter } from '../../support/recording-reporter.js';

const reporter = silentReporter;

const dir = mkdtempSync(join(tmpdir(), 'indicovm-qemu-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const disk = join(dir, 'blank.qcow2');
execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '64M']);

function start(name: string, ledger: Ledger) {
  return startQemu(
    {
      machine: {
        binary: 'qemu-system-x86_64',
        accelerator: 'tcg',
        memory: 128,
        cpus: 1,
        disk,
        diskFormat: 'qcow2',
        serialLog: join(dir, `${name}.serial`),
        pidFile: join(dir, `${name}.pid`),
        monitorSocket: join(dir, `${name}.monitor`),
      },
      guestPorts: [22],
      stderrFile: join(dir, `${name}.err`),
      label: name,
    },
    ledger,
    reporter,
  );
}

describe('qemu process lifetime', () => {
  test('recorded while it runs, forwards bound to 127.0.0.1 only, stopped through the monitor', async () => {
    const ledger = new Ledger(join(dir, 'a.ledger.json'));
    const qemu = await start('a', ledger);
    expect(ledger.resources).toEqual([
      expect.objectContaining({ kind: QEMU_RESOURCE, id: String(qemu.pid) }),
    ]);
    const port = qemu.hostPort(22);
    const listening = execFileSync('ss', ['-Htln', `sport = :${port}`], { encoding: 'utf8' });
    expect(
      listening
        .trim()
        .split('\n')
        .map((line) => line.trim().split(/\s+/)[3]),
    ).toEqual([`127.0.0.1:${port}`]);
    expect(await qemu.stop(reporter)).toBe('quit');
    expect(qemu.running).toBe(false);
    expect(ledger.resources).toEqual([]);
  });

  test('a qemu left behind (as after a crash) is killed from the ledger file alone', async () => {
    const ledgerFile = join(dir, 'b.ledger.json');
    const qemu = await start('b', new Ledger(ledgerFile));
    expect(running(qemu.pid)).toBe(true);
    const ledger = new Ledger(ledgerFile);
    const undone = await ledger.undoAll({ [QEMU_RESOURCE]: killRecordedQemu }, (_r, error) => {
      throw error;
    });
    expect(undone).toBe(1);
    await qemu.waitForExit(5000);
    expect(running(qemu.pid)).toBe(false);
  });
});
