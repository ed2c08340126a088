import { CommandError, ConfigurationError } from '../errors.js';

/** The server offered a key that the pins do not allow; nothing was sent to it. Never retried. */
export class HostKeyMismatchError extends ConfigurationError {
  constructor(
    readonly offeredType: string,
    readonly offeredFingerprint: string,
    reason: string,
  ) {
    super(`Host key verification failed: ${reason}. Nothing was sent to the server.`);
  }
}

/** The server refused every credential given. Never retried: trying again cannot help. */
export class SshAuthenticationError extends ConfigurationError {
  constructor(where: string, username: string, methods: readonly string[]) {
    super(
      `SSH authentication as ${username} to ${where} failed (tried: ${methods.join(', ') || 'none'}). ` +
        'Check the user name and the private key, passphrase or password.',
    );
  }
}

/** The connection could not be set up, after every retry. */
export class SshConnectionError extends Error {
  override readonly name = 'SshConnectionError';
  constructor(where: string, attempts: number, cause: unknown) {
    const message = (cause as { message?: unknown } | null)?.message;
    const detail = typeof message === 'string' ? message : String(cause);
    super(
      `Could not connect over SSH to ${where} (${attempts} attempt${attempts === 1 ? '' : 's'}): ${detail}`,
      {
        cause,
      },
    );
  }
}

/** An established connection went away (server restarted, network dropped, sshd killed). */
export class SshConnectionLostError extends Error {
  override readonly name = 'SshConnectionLostError';
  constructor(where: string, during: string, detail?: string) {
    super(
      `The SSH connection to ${where} was lost ${during}${detail ? ` (${detail})` : ''}; ` +
        'call reconnect() to open it again.',
    );
  }
}

/** A remote command outran its time limit; its channel was signalled and closed. */
export class CommandTimeoutError extends CommandError {
  constructor(
    command: string,
    readonly timeoutMs: number,
    outputTail: string,
  ) {
    super(command, null, outputTail, `timed out after ${formatLimit(timeoutMs)} and was stopped`);
  }
}

function formatLimit(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
