import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { buildImageCommand, COMMANDS, manageCommand } from '../../../shared/options/commands.js';
import { parseArgs } from '../../../cli/src/args.js';
import { runCli } from '../../../cli/src/run.js';
import { REPO } from '../../support/run-action.js';

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (t) => out.push(t), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('indicovm CLI', () => {
  test('--help lists every task with its description, like fab -l', async () => {
    const { code, out } = await cli('--help');
    expect(code).toBe(0);
    for (const command of COMMANDS) {
      expect(out).toMatch(new RegExp(`^  ${command.name} +\\S`, 'm'));
    }
  });

  test('<task> --help lists its options with defaults', async () => {
    const { code, out } = await cli('manage', '--help');
    expect(code).toBe(0);
    expect(out).toContain('Usage: indicovm manage [options] [TASK...]');
    expect(out).toMatch(/--port <port>\n\s+SSH port \[default: 22\]/);
    expect(out).toMatch(/--\[no-\]insecure-accept-host-key\n.*\[default: false\]/);
    expect(out).toMatch(/--ssh-key <secret>\n(?: {6}.*\n)*? {6}.*\[secret\]/);
  });

  test("help TASK prints that task's help, grouped by the catalog's sections", async () => {
    const { code, out } = await cli('help', 'build-image');
    expect(code).toBe(0);
    expect(out).toBe((await cli('build-image', '--help')).out);
    const headings = out.split('\n').filter((line) => /^\S.* options:$/.test(line));
    expect(headings).toEqual([
      'Settings options:',
      'qemu options:',
      'Image build options:',
      'Indico recipe options:',
      'OpenStack authentication options:',
      'Output options:',
    ]);
    // Each option sits under its own section.
    expect(out.indexOf('--accelerator')).toBeGreaterThan(out.indexOf('qemu options:'));
    expect(out.indexOf('--accelerator')).toBeLessThan(out.indexOf('Image build options:'));
    expect(out).toMatch(/--accelerator <kvm\|tcg\|auto>\n( {6}.*\n)*? {6}.*\[default: auto\]/);
    const unknown = await cli('help', 'build-imag');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain(
      "no help for 'build-imag', which is not a task; did you mean 'build-image'?",
    );
  });

  test('options that only an action can use are neither listed nor accepted by the CLI', async () => {
    const { out } = await cli('build-image', '--help');
    expect(out).not.toContain('--upload-artifact');
    expect(out).not.toContain('--artifact-name');
    for (const flag of ['--no-upload-artifact', '--artifact-name=x']) {
      const run = await cli('build-image', flag);
      expect(run.code).toBe(2);
      expect(run.err).toMatch(/Option --(no-upload-artifact|artifact-name) exists only in the action/);
    }
  });

  test('a secret typed as a flag is warned about, without its value; a key file path is not', async () => {
    const { err } = await cli(
      'gen-user-data',
      '--redis-password',
      'typed-in-s3cret',
      '--ssl-key',
      '/etc/hostname',
      '--user-data-path',
      '/nonexistent-dir/ud.mime',
    );
    expect(err).toContain(
      'warning: --redis-password was given on the command line, where other local users can read it (ps) and the shell history keeps it: put it in indicovm.yml (mode 0600) instead.',
    );
    expect(err).not.toContain('--ssl-key was given');
    expect(err).not.toContain('typed-in-s3cret');
  });

  test('a boolean flag takes true/false as its next argument too, as --flag=false and --no-flag do', () => {
    const values = (argv: string[]) => parseArgs(buildImageCommand, argv).values;
    expect(values(['--install-indico', 'false', '--verify', 'true'])).toEqual({
      'install-indico': 'false',
      verify: 'true',
    });
    expect(values(['--no-verify'])).toEqual({ verify: false });
    expect(values(['--verify'])).toEqual({ verify: true });
    expect(parseArgs(manageCommand, ['--insecure-accept-host-key', 'restart']).values).toEqual({
      'insecure-accept-host-key': true,
      tasks: 'restart',
    });
  });

  test('an unknown task is refused with a suggestion', async () => {
    const { code, err } = await cli('deplyo');
    expect(code).toBe(2);
    expect(err).toContain("unknown task 'deplyo'; did you mean 'deploy'?");
  });

  test('bad flag values exit 2 naming the flag', async () => {
    const { code, err } = await cli('manage', '--host', '10.0.0.1', '--port', '99999', 'status');
    expect(code).toBe(2);
    expect(err).toContain('Invalid flag --port ("99999"): must be a port number from 1 to 65535.');
  });

  test('positional arguments are the manage tasks; a missing requirement is reported before connecting', async () => {
    const { code, err } = await cli('manage', '--host', '10.0.0.1', '--ssh-key', 'k', 'update-server');
    expect(code).toBe(2);
    expect(err).toContain("Task 'update-server' needs option 'server-name'.");
    expect(err).toContain("The host key cannot be verified: set 'host-keys'");
  });

  test('the bundled bin runs under node', () => {
    const result = spawnSync(process.execPath, [join(REPO, 'cli/dist/index.js'), '--help'], {
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: indicovm <task> [options]');
  });
});
