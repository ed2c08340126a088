// An in-memory SshSession for unit tests of the orchestrators through their `connect` port: files
// uploaded are kept in a map, `bash FILE` runs the uploaded script in the real bash on this machine
// (in a scratch folder, as the session's user would), `rm -f -- FILE` removes it. Any other command
// is an error unless the test's `answer` knows it, so a test sees exactly what the code under test
// asked the "VM" to do.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandError } from '../../shared/errors.js';
import type { ExecOptions, ExecResult } from '../../shared/ssh/exec.js';
import type { ScriptOptions, SshSession } from '../../shared/ssh/index.js';

/** A test's own commands: the result of argv, or undefined for the ones the fake knows itself. */
export type FakeAnswer = (argv: readonly string[], options: ExecOptions) => ExecResult | undefined;

export interface FakeSshOptions {
  readonly answer?: FakeAnswer;
  /** Gets `upload PATH`, `exec ARGV…` and `close`, in order: to interleave with a test's other events. */
  readonly log?: string[];
}

export class FakeSshSession {
  readonly where: string;
  readonly files = new Map<string, string>();
  readonly commands: string[][] = [];
  closed = 0;
  reconnects = 0;
  /** The next `n` exec calls fail with this error (a dropped connection, say). */
  failNext: { error: Error; times: number } | undefined;

  readonly #answer: FakeAnswer | undefined;
  readonly #log: string[] | undefined;

  constructor(where = 'fake@vm', options: FakeSshOptions = {}) {
    this.where = where;
    this.#answer = options.answer;
    this.#log = options.log;
  }

  async upload(content: Buffer | string, remotePath: string): Promise<void> {
    this.#log?.push(`upload ${remotePath}`);
    this.files.set(remotePath, content.toString());
  }

  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    this.commands.push([...argv]);
    this.#log?.push(`exec ${argv.join(' ')}`);
    if (this.failNext && this.failNext.times > 0) {
      this.failNext.times -= 1;
      throw this.failNext.error;
    }
    const answered = this.#answer?.(argv, options);
    if (answered !== undefined) {
      // As the real session: a non-zero status is an error unless the caller allows it.
      if (answered.code !== 0 && !options.allowFailure) {
        throw new CommandError(argv.join(' '), answered.code, `${answered.stdout}${answered.stderr}`);
      }
      return answered;
    }
    if (argv[0] === 'bash' && argv.length === 2 && this.files.has(argv[1]!)) {
      const dir = mkdtempSync(join(tmpdir(), 'indicovm-fake-vm-'));
      writeFileSync(join(dir, 'script.sh'), this.files.get(argv[1]!)!);
      const run = spawnSync('bash', ['script.sh'], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
      if (run.stdout) options.onStdout?.(run.stdout);
      if (run.stderr) options.onStderr?.(run.stderr);
      return { code: run.status, stdout: run.stdout, stderr: run.stderr };
    }
    if (argv[0] === 'rm' && argv[1] === '-f' && argv[2] === '--') {
      argv.slice(3).forEach((path) => this.files.delete(path));
      return { code: 0, stdout: '', stderr: '' };
    }
    throw new Error(`the fake VM does not know ${JSON.stringify(argv)}`);
  }

  /** As the real session: the script on the stdin of `sh -s`, so an `answer` sees it in options.stdin. */
  runScript(script: string, options: ScriptOptions = {}): Promise<ExecResult> {
    const { args = [], ...rest } = options;
    return this.exec(['sh', '-s', '--', ...args], { ...rest, stdin: script });
  }

  async reconnect(): Promise<void> {
    this.reconnects += 1;
  }

  async close(): Promise<void> {
    this.#log?.push('close');
    this.closed += 1;
  }

  /** As the port hands it over: the orchestrators type their session as SshSession. */
  asSession(): SshSession {
    return this as unknown as SshSession;
  }
}
