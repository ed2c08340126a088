import { spawn } from 'node:child_process';
import { CommandError } from '../errors.js';
import { commandLine } from '../shell/quote.js';

const TAIL_CHARS = 4000;

export interface ToolResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a local program from an argument vector (no shell); a non-zero exit is a CommandError. */
export function runTool(
  argv: readonly string[],
  options: { onStderr?: (text: string) => void; onStdout?: (text: string) => void } = {},
): Promise<ToolResult> {
  const [program, ...args] = argv;
  if (program === undefined) {
    return Promise.reject(new Error('runTool needs a program name'));
  }
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout.push(chunk);
      options.onStdout?.(chunk.toString('latin1'));
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      options.onStderr?.(chunk);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(
        new CommandError(
          commandLine(argv),
          null,
          '',
          error.code === 'ENOENT' ? `${program} is not installed (or not on PATH)` : error.message,
        ),
      );
    });
    child.on('close', (code, signal) => {
      const out = Buffer.concat(stdout).toString('utf8');
      if (code === 0) {
        resolve({ stdout: out, stderr });
        return;
      }
      reject(
        new CommandError(
          commandLine(argv),
          code,
          (stderr || out).slice(-TAIL_CHARS).trim(),
          signal ? `killed by ${signal}` : undefined,
        ),
      );
    });
  });
}
