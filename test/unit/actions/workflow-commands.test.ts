/**
 * action-kit writes the runner's protocol itself instead of loading @actions/core. What it writes must
 * be what @actions/core writes for the same call, byte for byte (apart from the random heredoc
 * delimiters), for values that try to break out: line breaks, percent signs, colons and commas, a
 * forged `::`, a value holding a delimiter-like word.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import * as core from '@actions/core';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyValueMessage, workflow, workflowCommand } from '../../../action-kit/workflow-commands.js';
import { captureStdout } from '../../support/captured-stdout.js';
import { useTempDir } from '../../support/temp-dir.js';

const HOSTILE = [
  'plain',
  'two\nlines\r\nand a CR\r',
  '100% sure: a,b,c',
  '::error::forged annotation',
  '%0A already escaped %25',
  'ghadelimiter_not-the-real-one',
  '',
];

// Every file a test makes has a name of its own, so one folder serves the whole file.
const dir = useTempDir('workflow-commands-');
const stdout = captureStdout();
const saved = { ...process.env };

afterEach(() => {
  process.env = { ...saved };
});

/** stdout of one call. */
function stdoutOf(call: () => void): string {
  stdout.clear();
  call();
  return stdout.text();
}

/** A file command's content with its random delimiters replaced by one placeholder. */
function fileOf(kind: 'OUTPUT' | 'STATE', call: () => void): string {
  const file = join(dir(), `${kind}-${Math.random()}`);
  writeFileSync(file, '');
  process.env[`GITHUB_${kind}`] = file;
  call();
  delete process.env[`GITHUB_${kind}`];
  return readFileSync(file, 'utf8').replace(/ghadelimiter_[0-9a-f-]{36}/g, 'DELIMITER');
}

describe('the workflow commands action-kit writes', () => {
  it('log lines, annotations and masks are what @actions/core writes', () => {
    for (const value of HOSTILE) {
      expect(stdoutOf(() => workflow.info(value))).toBe(stdoutOf(() => core.info(value)));
      expect(stdoutOf(() => workflow.debug(value))).toBe(stdoutOf(() => core.debug(value)));
      expect(stdoutOf(() => workflow.notice(value))).toBe(stdoutOf(() => core.notice(value)));
      expect(stdoutOf(() => workflow.warning(value))).toBe(stdoutOf(() => core.warning(value)));
      expect(stdoutOf(() => workflow.error(value))).toBe(stdoutOf(() => core.error(value)));
      expect(stdoutOf(() => workflow.setSecret(value))).toBe(stdoutOf(() => core.setSecret(value)));
    }
    // No line break survives into a command: the runner would read the rest as a new line.
    expect(workflowCommand('warning', 'a\n::error::b')).toBe('::warning::a%0A::error::b');
  });

  it('properties are escaped as @actions/core escapes them', () => {
    expect(workflowCommand('save-state', 'v', { name: 'a:b,c\nd%' })).toBe(
      '::save-state name=a%3Ab%2Cc%0Ad%25::v',
    );
    for (const value of HOSTILE) {
      expect(stdoutOf(() => workflow.saveState('ledger-file', value))).toBe(
        stdoutOf(() => core.saveState('ledger-file', value)),
      );
      expect(stdoutOf(() => workflow.setOutput('image-id', value))).toBe(
        stdoutOf(() => core.setOutput('image-id', value)),
      );
    }
  });

  it('outputs and state go to the runner files as @actions/core writes them', () => {
    for (const value of HOSTILE) {
      expect(fileOf('OUTPUT', () => workflow.setOutput('host-keys', value))).toBe(
        fileOf('OUTPUT', () => core.setOutput('host-keys', value)),
      );
      expect(fileOf('STATE', () => workflow.saveState('serial-log', value))).toBe(
        fileOf('STATE', () => core.saveState('serial-log', value)),
      );
    }
    process.env.GITHUB_OUTPUT = join(dir(), 'missing');
    expect(() => workflow.setOutput('x', 'y')).toThrow(`Missing file at path: ${join(dir(), 'missing')}`);
  });

  it('file commands are heredocs with a fresh delimiter each time', () => {
    const first = keyValueMessage('name', 'value');
    const delimiter = /<<(ghadelimiter_[0-9a-f-]{36})/.exec(first)![1]!;
    expect(first).toBe(`name<<${delimiter}\nvalue\n${delimiter}`);
    expect(keyValueMessage('name', 'value')).not.toContain(delimiter);
  });

  it('groups close when their work fails; state is read back from STATE_*', async () => {
    const log = async (group: typeof workflow.group) => {
      stdout.clear();
      await group('Uploading\nimage', async () => {
        throw new Error('boom');
      }).catch(() => undefined);
      return stdout.text();
    };
    expect(await log(workflow.group.bind(workflow))).toBe(await log(core.group));
    process.env.STATE_ledger = '/tmp/ledger.json';
    expect(workflow.getState('ledger')).toBe(core.getState('ledger'));
    expect(workflow.getState('absent')).toBe('');
  });

  it('the job summary is appended as core.summary.addRaw(…, true).write() appends it', async () => {
    const ours = join(dir(), 'ours.md');
    const theirs = join(dir(), 'theirs.md');
    writeFileSync(ours, '# before\n');
    writeFileSync(theirs, '# before\n');
    process.env.GITHUB_STEP_SUMMARY = ours;
    await workflow.appendSummary('| a | b |\n| - | - |');
    process.env.GITHUB_STEP_SUMMARY = theirs;
    await core.summary.addRaw('| a | b |\n| - | - |', true).write();
    expect(readFileSync(ours, 'utf8')).toBe(readFileSync(theirs, 'utf8'));
    delete process.env.GITHUB_STEP_SUMMARY;
    await expect(workflow.appendSummary('x')).rejects.toThrow('GITHUB_STEP_SUMMARY');
  });
});
