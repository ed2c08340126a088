/**
 * Ctrl-C, `kill` and a closed terminal during `indicovm build-image` (the CLI from source, the Debian 12
 * fixture under TCG): each signal arrives while the build VM boots, and afterwards no qemu runs, the
 * build folder and its ledger are gone, no image was written, and the exit code is the shell's
 * 128 + the signal's number.
 */
import { describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useCliRuns } from '../../support/cli-runs.js';
import { processesMatching, waitUntil } from '../../support/processes.js';

const { scratch, base, start } = useCliRuns('indicovm-interrupt-test-', 'SIGKILL', (folder) => {
  for (const { pid } of processesMatching('qemu-system', folder)) {
    process.kill(pid, 'SIGKILL');
  }
});

describe('indicovm build-image interrupted (CLI, qemu TCG)', () => {
  test.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)(
    '%s while the VM boots stops qemu, removes the build folder and exits %i',
    async (signal, code) => {
      const tmp = mkdtempSync(join(scratch(), `${signal}-`));
      const outputDir = join(scratch(), `${signal}-out`);
      mkdirSync(outputDir);
      // Never reached: the signal arrives while the VM boots.
      const script = join(scratch(), 'provision.sh');
      writeFileSync(script, 'true\n');
      const run = start(
        [
          'build-image',
          '--base-image',
          base(),
          '--accelerator',
          'tcg',
          '--memory',
          '1024',
          '--recipe',
          'none',
          '--provision-script',
          script,
          '--output-dir',
          outputDir,
        ],
        tmp,
      );
      await waitUntil(
        'build-image to start qemu',
        () => processesMatching('qemu-system', tmp).length > 0 || run.child.exitCode !== null,
        3 * 60_000,
      );
      if (processesMatching('qemu-system', tmp).length !== 1) {
        throw new Error(`build-image ended before qemu ran:\n${run.stderr().slice(-4000)}`);
      }
      // The build folder and its ledger are in TMPDIR while the build runs.
      expect(readdirSync(tmp).sort()).toEqual([
        expect.stringMatching(/^indicovm-build-/),
        expect.stringMatching(/^indicovm-build-.*\.ledger\.json$/),
      ]);

      run.child.kill(signal);
      const exit = await run.exited;
      expect(run.stderr()).toContain(`Interrupted (${signal}): removing what this run created.`);
      expect(exit).toEqual({ code, signal: null });
      expect(processesMatching('qemu', tmp)).toEqual([]);
      expect(readdirSync(tmp)).toEqual([]);
      // Only the serial console log may stay, for the user to read; no image was written.
      expect(readdirSync(outputDir).filter((name) => !name.endsWith('.serial.log'))).toEqual([]);
    },
  );
});
