import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

export interface ActionRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputs: Record<string, string>;
  readonly summary: string;
  readonly workspace: string;
}

/** Parses the GITHUB_OUTPUT file format: `name=value` lines and `name<<DELIM` heredocs. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const value: string[] = [];
      while (++i < lines.length && lines[i] !== heredoc[2]) {
        value.push(lines[i]!);
      }
      outputs[heredoc[1]!] = value.join('\n');
    } else if (line.includes('=')) {
      outputs[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return outputs;
}

/**
 * Starts a bundled action exactly as the runner does: `node <action>/dist/index.js` with INPUT_*
 * variables, GITHUB_OUTPUT, GITHUB_STATE and GITHUB_STEP_SUMMARY files, in a workspace folder.
 */
export function runBundledAction(
  entry: string,
  inputs: Readonly<Record<string, string>>,
  options: {
    env?: Record<string, string>;
    workspace?: string;
    files?: Record<string, string>;
    timeoutMs?: number;
  } = {},
): ActionRun {
  const workspace = options.workspace ?? mkdtempSync(join(tmpdir(), 'indicovm-ws-'));
  for (const [name, content] of Object.entries(options.files ?? {})) {
    writeFileSync(join(workspace, name), content);
  }
  const outputFile = join(workspace, '.github_output');
  const summaryFile = join(workspace, '.github_step_summary');
  const stateFile = join(workspace, '.github_state');
  for (const file of [outputFile, summaryFile, stateFile]) {
    writeFileSync(file, '', { flag: 'a' });
  }
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_STATE: stateFile,
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: workspace,
    ...options.env,
  };
  for (const [name, value] of Object.entries(inputs)) {
    env[`INPUT_${name.toUpperCase()}`] = value;
  }
  const result = spawnSync(process.execPath, [join(REPO, entry)], {
    cwd: workspace,
    env,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 60_000,
  });
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    outputs: parseOutputFile(readFileSync(outputFile, 'utf8')),
    summary: readFileSync(summaryFile, 'utf8'),
    workspace,
  };
}
