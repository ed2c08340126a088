import { ConfigurationError, errorMessage } from '../../shared/errors.js';
import { FleetError } from '../../shared/manage/fleet-result.js';
import { COMMANDS, findCommand, type CommandSpec } from '../../shared/options/commands.js';
import { readSettingsFile } from '../../shared/options/load.js';
import { resolveOptions } from '../../shared/options/resolve.js';
import { TerminalReporter } from '../../shared/report/terminal.js';
import { suggestion } from '../../shared/options/names.js';
import { commandHelp, mainHelp } from './help.js';
import { parseArgs, secretFlagWarnings } from './args.js';
import { VERSION } from './version.js';

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (line: string) => void;
}

const defaultIo: CliIo = {
  out: (text) => process.stdout.write(text + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
};

/** Runs one CLI invocation and returns its exit code: 0 done, 1 failed, 2 bad usage or settings. */
export async function runCli(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === 'help' && rest[0] !== undefined) {
    const asked = findCommand(rest[0]);
    if (asked) {
      io.out(commandHelp(asked));
      return 0;
    }
    io.err(
      `indicovm: no help for '${rest[0]}', which is not a task${suggestion(
        rest[0],
        COMMANDS.map((c) => c.name),
      )}`,
    );
    io.err("Run 'indicovm --help' for the list of tasks.");
    return 2;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(mainHelp(COMMANDS, VERSION));
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    io.out(VERSION);
    return 0;
  }
  const command: CommandSpec | undefined = findCommand(name);
  if (!command) {
    io.err(
      `indicovm: unknown task '${name}'${suggestion(
        name,
        COMMANDS.map((c) => c.name),
      )}`,
    );
    io.err("Run 'indicovm --help' for the list of tasks.");
    return 2;
  }
  const reporter = new TerminalReporter({ write: io.err });
  try {
    const args = parseArgs(command, rest);
    if (args.help) {
      io.out(commandHelp(command));
      return 0;
    }
    reporter.verbose = args.verbose;
    const configFlag = args.values['config-file'];
    const file = readSettingsFile(
      typeof configFlag === 'string' ? configFlag : 'indicovm.yml',
      typeof configFlag === 'string',
    );
    const resolved = resolveOptions(command, {
      explicit: args.values,
      explicitKind: 'flag',
      env: process.env,
      file,
    });
    for (const warning of secretFlagWarnings(command, args.values)) {
      reporter.warning(warning);
    }
    // The tasks' code (qemu, OpenStack, SSH, the recipe) loads only for a task that runs: help, a
    // version and a usage error come without it.
    const { TASKS } = await import('./tasks.js');
    const output = await TASKS[command.name]!(resolved.values as never, reporter, resolved.sources);
    if (output !== undefined) {
      io.out(output);
    }
    return 0;
  } catch (error) {
    // A fleet run that failed on some hosts still prints every host's result.
    if (error instanceof FleetError) io.out(JSON.stringify({ results: error.results }, null, 2));
    reporter.error(errorMessage(error));
    return error instanceof ConfigurationError ? 2 : 1;
  }
}
