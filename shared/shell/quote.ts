/**
 * The one place where remote and local shell commands are turned from argument lists into text.
 * Everything that runs a command over SSH or writes one into a script goes through here.
 */

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** POSIX single-quoting: safe for any byte string except NUL, which no shell argument can hold. */
export function quote(arg: string): string {
  if (arg.includes('\0')) {
    throw new Error('A shell argument cannot contain a NUL byte.');
  }
  if (arg.length > 0 && SAFE.test(arg)) {
    return arg;
  }
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** An argument vector as one command line. */
export function commandLine(argv: readonly string[]): string {
  if (argv.length === 0) {
    throw new Error('A command needs at least a program name.');
  }
  return argv.map(quote).join(' ');
}

/** `NAME=value` assignments for an env prefix; names are checked, values quoted. */
export function assignments(env: Readonly<Record<string, string>>): string {
  return Object.entries(env)
    .map(([name, value]) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        throw new Error(`Not a valid environment variable name: ${JSON.stringify(name)}`);
      }
      return `${name}=${quote(value)}`;
    })
    .join(' ');
}
