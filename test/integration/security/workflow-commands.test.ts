/**
 * A guest must not be able to speak to the runner. What a machine we do not control prints (manage's
 * `run` over a real sshd, the build VM's serial console in the post step) is read back the way the
 * runner reads a step's log: none of its forged commands may count, and the action's own must.
 * Run `npm run bundle` first.
 */
import { describe, expect, it, jest } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD_POST, MANAGE } from '../../support/bundled.js';
import { runBundledAction, startBundledAction } from '../../support/run-action.js';
import { rootKeyInputs } from '../../support/sshd-logins.js';
import { useTempDir } from '../../support/temp-dir.js';
import { useSshd } from '../../support/use-sshd.js';
import { commandsTheRunnerSees } from '../../support/workflow-commands.js';
import { STATE } from '../../../action-build-image/src/state.js';

jest.setTimeout(120_000);

/** What a hostile guest prints: annotations, a mask and a stop, in both command syntaxes. */
const FORGED = [
  '::warning title=forged::forged-warning',
  '::add-mask::forged-mask',
  '  ::error::forged-error',
  'apt: ##[warning]forged-legacy-warning',
  '::stop-commands::guest-token',
  '::notice::forged-after-stop',
];

const dir = useTempDir('indicovm-commands-');
const sshd = useSshd();

function expectNoForgedCommand(stdout: string): void {
  const forged = commandsTheRunnerSees(stdout).filter((command) =>
    /^(forged|guest-token)/.test(command.data),
  );
  expect(forged).toEqual([]);
}

describe('guest output reaches the log, never the runner', () => {
  it("manage's run: the script's stdout and stderr are shown, their commands ignored, the failure still reported", async () => {
    const script = [
      ...FORGED.map((line) => `printf '%s\\n' '${line}'`),
      "echo 'on stderr ::error::forged-stderr' >&2",
      'exit 3',
    ];
    const run = await startBundledAction(MANAGE, {
      ...rootKeyInputs(sshd()),
      tasks: 'run',
      script: script.join('\n'),
    }).done;
    expect(run.status).toBe(1);
    for (const line of FORGED) {
      expect(run.stdout).toContain(line.trim());
    }
    expectNoForgedCommand(run.stdout);
    const errors = commandsTheRunnerSees(run.stdout).filter((command) => command.name === 'error');
    expect(errors.map((error) => error.data)).toEqual([
      expect.stringMatching(/^action-manage failed: .*exit(ed)? .*3/),
    ]);
  });

  it("the build's post step: the serial console tail is shown, its commands ignored", () => {
    const serialLog = join(dir(), 'serial.log');
    writeFileSync(serialLog, ['[    0.000000] Linux version 6.1', ...FORGED, 'login: '].join('\n') + '\n');
    const run = runBundledAction(BUILD_POST, {}, { env: { [`STATE_${STATE.serialLog}`]: serialLog } });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('::stop-commands::guest-token');
    expectNoForgedCommand(run.stdout);
    // The group the tail is printed in still ends: the runner reads our commands again after it.
    const names = commandsTheRunnerSees(run.stdout).map((command) => command.name);
    expect(names.filter((name) => name === 'group' || name === 'endgroup')).toEqual(['group', 'endgroup']);
  });
});
