/**
 * A step's stdout read as the GitHub runner reads it (actions/runner's ActionCommandManager): `::name
 * props::data` at the start of a line, the older `##[name props]data` anywhere in one, and
 * `::stop-commands::TOKEN`, after which nothing is a command until the line `::TOKEN::`.
 */
export interface WorkflowCommand {
  readonly name: string;
  readonly data: string;
}

export function commandsTheRunnerSees(stdout: string): WorkflowCommand[] {
  const commands: WorkflowCommand[] = [];
  let stopToken: string | undefined;
  for (const raw of stdout.split(/\r?\n/)) {
    const line = raw.trim();
    if (stopToken !== undefined) {
      if (line === `::${stopToken}::`) {
        stopToken = undefined;
      }
      continue;
    }
    const command =
      /^::([A-Za-z-]+)(?: [^:]*)?::(.*)$/.exec(line) ?? /##\[([A-Za-z-]+)(?: [^\]]*)?\](.*)$/.exec(line);
    if (!command) {
      continue;
    }
    const [, name, data] = command as unknown as [string, string, string];
    if (name === 'stop-commands') {
      stopToken = data;
    }
    commands.push({ name, data });
  }
  return commands;
}
