/**
 * Running one command on an ssh2 connection: the command line is built from argv by
 * shared/shell/quote.ts only, output is streamed as it comes, and a time limit stops the command.
 */
import { StringDecoder } from 'node:string_decoder';
import type { Client, ClientChannel } from 'ssh2';
import { CommandError } from '../errors.js';
import { isSecret, type Secret } from '../secret.js';
import { assignments, commandLine } from '../shell/quote.js';
import { CommandTimeoutError, SshConnectionLostError } from './errors.js';

export interface ExecOptions {
  /** Run through `sudo -n` (skipped when the user is root). */
  readonly sudo?: boolean;
  /** Variables set with `env NAME=value` for this command; their values never appear in logs or errors. */
  readonly env?: Readonly<Record<string, string | Secret>>;
  readonly stdin?: string | Buffer;
  /** Time limit in ms; the session's commandTimeoutMs applies when not given, 0 means none. */
  readonly timeoutMs?: number;
  readonly onStdout?: (text: string) => void;
  readonly onStderr?: (text: string) => void;
  /** Return a non-zero exit status instead of throwing CommandError. */
  readonly allowFailure?: boolean;
}

export interface ExecResult {
  /** Exit status; null when the command was ended by a signal. */
  readonly code: number | null;
  readonly signal?: string;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RawExecResult {
  readonly code: number | null;
  readonly signal?: string;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
}

export interface BuiltCommand {
  /** What is sent to the server. */
  readonly line: string;
  /** What logs and errors show: env values replaced by ***. */
  readonly shown: string;
  /** Secret values to blank out of output quoted in errors. */
  readonly secrets: readonly string[];
}

const TAIL_CHARS = 4000;
const CLOSE_GRACE_MS = 2000;
/** Exit statuses of GNU timeout for a command it stopped: TERM (124) or, 5 s later, KILL (128 + 9). */
const REMOTE_TIMEOUT_STATUSES = new Set([124, 137]);

/** `[sudo -n --] [timeout LIMIT] [env NAME=value...] argv...`, and the same with values hidden for display. */
export function buildCommand(
  argv: readonly string[],
  options: {
    readonly sudo?: boolean;
    readonly env?: ExecOptions['env'];
    readonly username: string;
    readonly timeoutMs?: number;
  },
): BuiltCommand {
  const parts: string[] = [];
  const shownParts: string[] = [];
  if (options.sudo && options.username !== 'root') {
    parts.push('sudo -n --');
    shownParts.push('sudo -n --');
  }
  if (options.timeoutMs !== undefined && options.timeoutMs > 0) {
    // The remote side enforces the limit too: sshd keeps running a command whose channel the client
    // closed, and refuses signal requests in root sessions. GNU timeout kills the command's whole
    // process group, and KILLs it 5 s after a TERM that it ignores.
    parts.push(commandLine(['timeout', '-k', '5s', `${options.timeoutMs / 1000}s`]));
  }
  const env = options.env ?? {};
  const names = Object.keys(env);
  const secrets: string[] = [];
  if (names.length > 0) {
    const revealed: Record<string, string> = {};
    const hidden: Record<string, string> = {};
    for (const name of names) {
      const value = env[name] as string | Secret;
      revealed[name] = isSecret(value) ? value.reveal() : value;
      hidden[name] = '***';
      if (isSecret(value) && value.length >= 3) {
        secrets.push(value.reveal());
      }
    }
    parts.push('env', assignments(revealed));
    shownParts.push('env', assignments(hidden));
  }
  const command = commandLine(argv);
  parts.push(command);
  shownParts.push(command);
  return { line: parts.join(' '), shown: shownParts.join(' '), secrets };
}

export function outputTail(stderr: Buffer, stdout: Buffer, secrets: readonly string[]): string {
  const source = stderr.length > 0 ? stderr : stdout;
  let text = source.subarray(Math.max(0, source.length - TAIL_CHARS * 2)).toString('utf8');
  for (const secret of secrets) {
    text = text.split(secret).join('***');
  }
  return text.slice(-TAIL_CHARS).trimEnd();
}

/** Forwards a channel's bytes to a text callback without splitting multi-byte characters. */
function textSink(callback: ((text: string) => void) | undefined): (chunk: Buffer) => void {
  if (!callback) {
    return () => undefined;
  }
  const decoder = new StringDecoder('utf8');
  return (chunk) => {
    const text = decoder.write(chunk);
    if (text) {
      callback(text);
    }
  };
}

/**
 * Runs a built command and resolves with its raw output, whatever its exit status; rejects on a time
 * limit, a lost connection or a channel that could not be opened.
 */
export function runCommand(
  client: Client,
  command: BuiltCommand,
  options: Omit<ExecOptions, 'sudo' | 'env' | 'allowFailure'>,
  where: string,
): Promise<RawExecResult> {
  return new Promise<RawExecResult>((resolve, reject) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const toStdout = textSink(options.onStdout);
    const toStderr = textSink(options.onStderr);
    let channel: ClientChannel | undefined;
    let code: number | null = null;
    let signal: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    let settled = false;
    let timedOut = false;

    const finish = (error: Error | undefined) => {
      if (settled) {
        return;
      }
      settled = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      client.removeListener('close', onClientClose);
      if (error) {
        reject(error);
      } else {
        resolve({
          code,
          ...(signal !== undefined ? { signal } : {}),
          stdout: Buffer.concat(stdout),
          stderr: Buffer.concat(stderr),
        });
      }
    };
    const onClientClose = () => finish(new SshConnectionLostError(where, `while running ${command.shown}`));
    client.once('close', onClientClose);

    const timeoutMs = options.timeoutMs ?? 0;
    const started = Date.now();
    const timeoutError = () =>
      new CommandTimeoutError(
        command.shown,
        timeoutMs,
        outputTail(Buffer.concat(stderr), Buffer.concat(stdout), command.secrets),
      );
    if (timeoutMs > 0) {
      timer = setTimeout(() => {
        timedOut = true;
        const error = timeoutError();
        if (channel) {
          channel.close();
        }
        // Do not wait for a server that does not answer the close.
        graceTimer = setTimeout(() => finish(error), CLOSE_GRACE_MS);
        channel?.once('close', () => finish(error));
        if (!channel) {
          finish(error);
        }
      }, timeoutMs);
    }

    try {
      client.exec(command.line, (error, opened) => {
        if (error) {
          finish(
            /No response from server|Not connected/i.test(error.message)
              ? new SshConnectionLostError(where, `before ${command.shown} could start`, error.message)
              : new CommandError(command.shown, null, '', `could not start: ${error.message}`),
          );
          return;
        }
        channel = opened;
        if (settled) {
          opened.close();
          return;
        }
        opened.on('data', (chunk: Buffer) => {
          stdout.push(chunk);
          toStdout(chunk);
        });
        opened.stderr.on('data', (chunk: Buffer) => {
          stderr.push(chunk);
          toStderr(chunk);
        });
        opened.on('exit', (exitCode: number | null, exitSignal?: string) => {
          code = exitCode;
          if (exitSignal) {
            signal = exitSignal;
            code = null;
          }
        });
        opened.on('close', () => {
          if (timedOut) {
            return;
          }
          // The remote `timeout` may stop the command just before the local timer fires.
          if (
            timeoutMs > 0 &&
            REMOTE_TIMEOUT_STATUSES.has(code ?? -1) &&
            Date.now() - started >= timeoutMs * 0.9
          ) {
            finish(timeoutError());
            return;
          }
          finish(undefined);
        });
        opened.on('error', (channelError: Error) =>
          finish(new CommandError(command.shown, null, '', `channel error: ${channelError.message}`)),
        );
        opened.end(options.stdin ?? undefined);
      });
    } catch (error) {
      finish(error as Error);
    }
  });
}

/** Throws CommandError for a non-zero status unless failures are allowed. */
export function checkResult(
  command: BuiltCommand,
  raw: RawExecResult,
  allowFailure: boolean | undefined,
): void {
  if (raw.code === 0 || allowFailure) {
    return;
  }
  const detail = raw.signal
    ? `killed by signal ${raw.signal}`
    : raw.code === null
      ? 'no exit status'
      : undefined;
  throw new CommandError(
    command.shown,
    raw.code,
    outputTail(raw.stderr, raw.stdout, command.secrets),
    detail,
  );
}
