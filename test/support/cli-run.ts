import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO, TSX_LOADER } from './run-action.js';

const CLI = join(REPO, 'cli/src/indicovm.ts');

/** The CLI from source (under tsx), running as a user runs it. */
export interface CliRun {
  readonly child: ChildProcess;
  /** stderr so far: the CLI's reporter writes there. */
  stderr(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the CLI in tmp, which is also its TMPDIR, so whatever it leaves behind shows there. */
export function startCli(args: readonly string[], tmp: string, env: NodeJS.ProcessEnv = {}): CliRun {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, CLI, ...args], {
    cwd: tmp,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/root',
      TMPDIR: tmp,
      // tsx would keep its compile cache in TMPDIR, which must end empty.
      TSX_DISABLE_CACHE: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  child.stdout!.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return { child, stderr: () => stderr, exited };
}
