import { randomBytes } from 'node:crypto';
import { quote } from '../../shell/quote.js';
import { CommandError } from '../../errors.js';
import type { TaskContext, TaskOutcome } from '../task.js';

/** The user's script as a file: `set -e`, then the variables from `envs`, then the script as given. */
export function runScriptText(script: string, envs: Readonly<Record<string, string>>): string {
  const exports = Object.entries(envs).map(([name, value]) => `export ${name}=${quote(value)}`);
  return ['set -e', ...exports, script.replace(/\r\n/g, '\n'), ''].join('\n');
}

/**
 * Runs the script as the SSH user with bash. It is uploaded (not piped to `bash -s`), so a command in
 * it that reads standard input cannot swallow the rest of the script, and the env values never
 * appear in a command line.
 */
export async function runTask(ctx: TaskContext): Promise<TaskOutcome> {
  const path = `/tmp/indicovm-run-${randomBytes(8).toString('hex')}.sh`;
  await ctx.session.upload(runScriptText(ctx.options.script ?? '', ctx.options.envs), path, { mode: 0o700 });
  let result;
  try {
    result = await ctx.session.exec(['bash', path], {
      allowFailure: true,
      onStdout: (text) => ctx.reporter.relay(text.replace(/\n$/, '')),
      onStderr: (text) => ctx.reporter.relay(text.replace(/\n$/, '')),
    });
  } finally {
    await ctx.session.exec(['rm', '-f', '--', path], { allowFailure: true });
  }
  // Like $(…) in a shell: the final newline is not part of the value. A script ended by a signal has
  // no exit code; 255 is what ssh reports for it.
  const output = {
    stdout: result.stdout.replace(/\n$/, ''),
    stderr: result.stderr.replace(/\n$/, ''),
    exitCode: result.code ?? 255,
  };
  if (output.exitCode !== 0) {
    throw new RunScriptError(
      output.exitCode,
      result.stderr.slice(-4000) || result.stdout.slice(-4000),
      output,
    );
  }
  return { changed: [], note: `exit 0, ${result.stdout.length} bytes of output`, ...output };
}

/** The script failed: what it printed and its exit code are still outputs, as a shell step's are. */
export class RunScriptError extends CommandError {
  constructor(
    exitCode: number,
    tail: string,
    readonly output: Required<Pick<TaskOutcome, 'stdout' | 'stderr' | 'exitCode'>>,
  ) {
    super('the run script', exitCode, tail);
  }
}
