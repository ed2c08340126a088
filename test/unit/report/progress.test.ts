import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentsOf } from '../../../shared/qemu/img.js';
import { consoleDetail, lastSerialLine } from '../../../shared/qemu/serial.js';
import { Progress, withProgress } from '../../../shared/report/progress.js';
import { TerminalReporter } from '../../../shared/report/terminal.js';
import { waitFor } from '../../../shared/wait.js';
import { RecordingReporter } from '../../support/recording-reporter.js';

const MIB = 1024 * 1024;

function clock() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

function progressLines(reporter: RecordingReporter): string[] {
  return reporter.messages.filter((m) => m.level === 'progress').map((m) => m.text);
}

describe('Progress in a log', () => {
  test('bytes: a line at each tenth (at most one a second) and every five seconds, then how it ended', () => {
    const reporter = new RecordingReporter();
    const time = clock();
    const progress = new Progress(reporter, {
      label: 'Uploading indico.qcow2 to Glance',
      unit: 'bytes',
      total: 100 * MIB,
      now: time.now,
    });
    // 100 MiB in 10 s, reported every 100 ms: ten lines would be one a second.
    for (let i = 1; i <= 100; i++) {
      time.advance(100);
      progress.update(i * MIB);
    }
    progress.finish();
    const lines = progressLines(reporter);
    expect(lines[0]).toBe('Uploading indico.qcow2 to Glance: 10.0 of 100.0 MiB (10%), 10.0 MiB/s, ETA 9.0 s');
    expect(lines).toContain(
      'Uploading indico.qcow2 to Glance: 50.0 of 100.0 MiB (50%), 10.0 MiB/s, ETA 5.0 s',
    );
    expect(lines.length).toBe(11);
    expect(lines.at(-1)).toBe('Uploading indico.qcow2 to Glance: done, 100.0 MiB in 10.0 s (10.0 MiB/s)');
  });

  test('a long slow job without a known total still gets a line every five seconds', () => {
    const reporter = new RecordingReporter();
    const time = clock();
    const progress = new Progress(reporter, {
      label: 'Downloading base.qcow2',
      unit: 'bytes',
      now: time.now,
    });
    for (let i = 1; i <= 60; i++) {
      time.advance(500);
      progress.update(i * 64 * 1024);
    }
    const lines = progressLines(reporter);
    expect(lines).toHaveLength(6);
    expect(lines[0]).toBe('Downloading base.qcow2: 0.6 MiB, 0.1 MiB/s');
  });

  test('percent (qemu-img convert -p) with an ETA; a retry starts the count again', () => {
    const reporter = new RecordingReporter();
    const time = clock();
    const progress = new Progress(reporter, {
      label: 'Converting to indico.qcow2',
      unit: 'percent',
      now: time.now,
    });
    time.advance(2000);
    progress.update(25);
    progress.restart();
    time.advance(1000);
    progress.update(10);
    expect(progressLines(reporter)).toEqual([
      'Converting to indico.qcow2: 25%, ETA 6.0 s',
      'Converting to indico.qcow2: 10%, ETA 9.0 s',
    ]);
  });

  test('a wait says how long it has waited and what the console says; failure is said as such', async () => {
    const reporter = new RecordingReporter();
    const time = clock();
    await expect(
      withProgress(
        reporter,
        {
          label: 'Waiting for SSH on 127.0.0.1:2222',
          unit: 'time',
          detail: () => 'console: login:',
          now: time.now,
        },
        async (progress) => {
          time.advance(5000);
          progress.update();
          time.advance(1000);
          throw new Error('qemu exited');
        },
      ),
    ).rejects.toThrow('qemu exited');
    expect(progressLines(reporter)).toEqual([
      'Waiting for SSH on 127.0.0.1:2222: 5.0 s, console: login:',
      'Waiting for SSH on 127.0.0.1:2222: failed, after 6.0 s',
    ]);
  });

  test('a wait without a clock of its own ticks by itself and stops when finished', async () => {
    const reporter = new RecordingReporter();
    const live = Object.assign(reporter, { liveProgress: true });
    await withProgress(
      live,
      { label: 'Waiting for cloud-init', unit: 'time' },
      () => new Promise((resolve) => setTimeout(resolve, 1300)),
    );
    const lines = progressLines(reporter);
    expect(lines[0]).toMatch(/^Waiting for cloud-init: (1\.\d s|\d{3,4} ms)$/);
    expect(lines.at(-1)).toMatch(/^Waiting for cloud-init: done, after 1\.\d s$/);
    const count = lines.length;
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(progressLines(reporter)).toHaveLength(count);
  });
});

describe('Progress on a terminal', () => {
  test('one line redrawn in place, cut to the width; other output clears it and draws it again below', () => {
    const drawn: string[] = [];
    const terminal = new TerminalReporter({
      live: true,
      write: (line) => drawn.push(`${line}\n`),
      draw: (text) => drawn.push(text),
      columns: () => 40,
    });
    const time = clock();
    const progress = new Progress(terminal, {
      label: 'Downloading debian-12-genericcloud-amd64.qcow2',
      unit: 'bytes',
      total: 10 * MIB,
      now: time.now,
    });
    time.advance(300);
    progress.update(MIB);
    terminal.warning('slow mirror');
    time.advance(300);
    progress.update(2 * MIB);
    progress.finish();
    expect(drawn).toEqual([
      '\r\x1b[KDownloading debian-12-genericcloud-amd…',
      '\r\x1b[K',
      'warning: slow mirror\n',
      'Downloading debian-12-genericcloud-amd…',
      '\r\x1b[KDownloading debian-12-genericcloud-amd…',
      '\r\x1b[K',
      'Downloading debian-12-genericcloud-amd64.qcow2: done, 2.0 MiB in 600 ms (3.3 MiB/s)\n',
    ]);
  });

  test('without a terminal the lines are plain lines', () => {
    const lines: string[] = [];
    const terminal = new TerminalReporter({ write: (line) => lines.push(line) });
    expect(terminal.liveProgress).toBe(false);
    terminal.progress('Converting to indico.vmdk: 40%', false);
    expect(lines).toEqual(['Converting to indico.vmdk: 40%']);
  });
});

describe('what progress reads', () => {
  test('qemu-img -p output, also split across chunks', () => {
    const seen: number[] = [];
    const feed = percentsOf((p) => seen.push(p));
    feed('    (0.00/100%)\r    (12.');
    feed('50/100%)\r');
    feed('    (100.00/100%)\r\n');
    expect(seen).toEqual([0, 12.5, 100]);
  });

  test('the last serial line: escapes and control characters gone, cut short, behind our own label', () => {
    const dir = mkdtempSync(join(tmpdir(), 'indicovm-serial-'));
    const log = join(dir, 'serial.log');
    expect(lastSerialLine(log)).toBeUndefined();
    writeFileSync(
      log,
      'x'.repeat(10_000) + '\n[  OK  ] Started ssh.service\r\n\x1b[31m::error::forged\x1b[0m\x07\r\n\r\n',
    );
    expect(lastSerialLine(log)).toBe('::error::forged');
    expect(consoleDetail(log)).toBe('console: ::error::forged');
    // A runner reads a command only at the start of a line, and a wait's line starts with its label.
    const reporter = new RecordingReporter();
    const time = clock();
    const wait = new Progress(reporter, {
      label: 'Waiting for SSH',
      unit: 'time',
      detail: () => consoleDetail(log),
      now: time.now,
    });
    time.advance(6000);
    wait.update();
    expect(progressLines(reporter)).toEqual(['Waiting for SSH: 6.0 s, console: ::error::forged']);
    writeFileSync(log, `${'y'.repeat(300)}\n`);
    expect(lastSerialLine(log)).toHaveLength(100);
  });
});

describe('waitFor', () => {
  test('tells each change of state once, with the time waited', async () => {
    const states = ['BUILD (scheduling)', 'BUILD (scheduling)', 'BUILD (spawning)', 'ACTIVE'];
    let i = 0;
    const changes: string[] = [];
    const result = await waitFor(
      'server s1 to become ACTIVE',
      { pollMs: 1, onStateChange: (state) => changes.push(state) },
      async () => (states[i++] === 'ACTIVE' ? 'ok' : undefined),
      () => states[i - 1],
    );
    expect(result).toBe('ok');
    expect(changes).toEqual(['BUILD (scheduling)', 'BUILD (spawning)', 'ACTIVE']);
  });
});
