import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/**
 * tsx's loader, for running TypeScript sources in a child (`node --import TSX_LOADER file.ts`); named
 * by path, as such a child may run in a folder without node_modules.
 */
export const TSX_LOADER = new URL('node_modules/tsx/dist/loader.mjs', new URL('../../', import.meta.url))
  .href;

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

interface RunOptions {
  env?: Record<string, string>;
  workspace?: string;
  files?: Record<string, string>;
  timeoutMs?: number;
}

interface Prepared {
  readonly workspace: string;
  readonly env: Record<string, string>;
  readonly outputFile: string;
  readonly summaryFile: string;
}

/** The workspace, the runner's command files and the environment the runner gives a step. */
function prepare(inputs: Readonly<Record<string, string>>, options: RunOptions): Prepared {
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
  return { workspace, env, outputFile, summaryFile };
}

function finished(prepared: Prepared, status: number | null, stdout: string, stderr: string): ActionRun {
  return {
    status,
    stdout,
    stderr,
    outputs: parseOutputFile(readFileSync(prepared.outputFile, 'utf8')),
    summary: readFileSync(prepared.summaryFile, 'utf8'),
    workspace: prepared.workspace,
  };
}

/**
 * Starts a bundled action exactly as the runner does: `node <action>/dist/index.js` with INPUT_*
 * variables, GITHUB_OUTPUT, GITHUB_STATE and GITHUB_STEP_SUMMARY files, in a workspace folder.
 */
export function runBundledAction(
  entry: string,
  inputs: Readonly<Record<string, string>>,
  options: RunOptions = {},
): ActionRun {
  const prepared = prepare(inputs, options);
  const result = spawnSync(process.execPath, [join(REPO, entry)], {
    cwd: prepared.workspace,
    env: prepared.env,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 60_000,
  });
  return finished(prepared, result.status, result.stdout, result.stderr);
}

/** A bundled action started in the background, for tests that act while it runs (cancel it, break a service). */
export interface RunningAction {
  readonly child: ChildProcess;
  readonly workspace: string;
  /** What it has written to stdout so far. */
  stdout(): string;
  /** The run once the process has ended; `signal` says what ended it, if anything did. */
  readonly done: Promise<ActionRun & { signal: NodeJS.Signals | null }>;
}

export function startBundledAction(
  entry: string,
  inputs: Readonly<Record<string, string>>,
  options: Omit<RunOptions, 'timeoutMs'> = {},
): RunningAction {
  const prepared = prepare(inputs, options);
  const child = spawn(process.execPath, [join(REPO, entry)], {
    cwd: prepared.workspace,
    env: prepared.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const done = new Promise<ActionRun & { signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ ...finished(prepared, status, stdout, stderr), signal }));
  });
  return { child, workspace: prepared.workspace, stdout: () => stdout, done };
}

/** The post step as the runner starts it: in the main step's workspace, with the state it saved as STATE_*. */
export function runPostStep(
  entry: string,
  main: { workspace: string },
  inputs: Readonly<Record<string, string>>,
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): ActionRun {
  const state = parseOutputFile(readFileSync(join(main.workspace, '.github_state'), 'utf8'));
  const stateEnv = Object.fromEntries(Object.entries(state).map(([name, value]) => [`STATE_${name}`, value]));
  return runBundledAction(entry, inputs, {
    workspace: main.workspace,
    env: { ...stateEnv, ...options.env },
    timeoutMs: options.timeoutMs,
  });
}
