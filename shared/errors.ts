/**
 * Two kinds of failure, told apart everywhere: a user's mistake (fix the input and run again) and a
 * failed command or service (look at the log). The action wrappers map them to different messages.
 */
export class ConfigurationError extends Error {
  override readonly name: string = 'ConfigurationError';
}

export class CommandError extends Error {
  override readonly name: string = 'CommandError';
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly outputTail: string,
    detail?: string,
  ) {
    super(
      `${command} failed` +
        (exitCode === null ? '' : ` with exit code ${exitCode}`) +
        (detail ? `: ${detail}` : '') +
        (outputTail ? `. Last output:\n${outputTail}` : ''),
    );
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
