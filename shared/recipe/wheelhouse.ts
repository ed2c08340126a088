/**
 * python-wheelhouse: the wheels pip installs from where PyPI cannot be reached. A folder or tarball
 * on this machine is packed and sent over SSH; an https URL is fetched by the VM itself (the only way
 * into a stock image's user-data). Either way the wheels land flat in WHEELHOUSE_DIR, and pip runs
 * with --no-index --find-links there. The directory lives until the image is sealed (provision scripts
 * may install plugins from it) or until `upgrade` is done with it.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { CommandError, ConfigurationError } from '../errors.js';
import type { Reporter } from '../report/reporter.js';
import { quote } from '../shell/quote.js';
import type { SshSession } from '../ssh/session.js';
import { shellFile, variableLines } from './sh-file.js';

export const WHEELHOUSE_PARENT = '/var/cache/indicovm';
export const WHEELHOUSE_DIR = `${WHEELHOUSE_PARENT}/wheelhouse`;

/** What pip can use from a find-links folder: wheels and source archives. */
const DISTRIBUTION = /\.(?:whl|tar\.gz|zip)$/;
const TARBALL = /\.(?:tar|tar\.gz|tgz|tar\.xz|txz|tar\.bz2|tbz2)$/;

/** Where a wheelhouse comes from: fetched by the VM, or read here and sent. */
export type WheelhouseSource =
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'folder'; readonly path: string; readonly files: readonly string[] }
  | { readonly kind: 'tarball'; readonly path: string };

export function isWheelhouseUrl(value: string): boolean {
  return /^https:\/\//i.test(value);
}

/** Reads the option's value (relative paths from `cwd`); refuses what pip could not use. */
export function wheelhouseSource(value: string, cwd: string): WheelhouseSource {
  if (isWheelhouseUrl(value)) return { kind: 'url', url: value };
  const path = resolve(cwd, value);
  const fail = (what: string): never => {
    throw new ConfigurationError(
      `Option 'python-wheelhouse': ${path} ${what}; give a folder of wheels, a tarball of one (.tar, .tar.gz, .tgz, .tar.xz) or an https:// URL of a tarball.`,
    );
  };
  if (!existsSync(path)) return fail('does not exist');
  const stat = statSync(path);
  if (stat.isDirectory()) {
    const files = readdirSync(path)
      .filter((name) => DISTRIBUTION.test(name) && statSync(resolve(path, name)).isFile())
      .sort();
    if (!files.some((name) => name.endsWith('.whl'))) return fail('holds no .whl file');
    return { kind: 'folder', path, files };
  }
  if (stat.isFile() && TARBALL.test(path)) return { kind: 'tarball', path };
  return fail('is neither a folder nor a tarball');
}

/** wheelhouse.sh with the two folders it reads, for the provisioning script and the scripts sent over SSH. */
export const WHEELHOUSE_FUNCTIONS =
  variableLines([
    ['WHEELHOUSE_PARENT', WHEELHOUSE_PARENT],
    ['WHEELHOUSE_DIR', WHEELHOUSE_DIR],
  ]) + shellFile('wheelhouse.sh');

/** The shell that makes WHEELHOUSE_DIR hold the wheelhouse: fetched for a URL, checked otherwise. */
export function wheelhouseReady(value: string): string {
  if (isWheelhouseUrl(value)) return `fetch_wheelhouse ${quote(value)} || exit 1\n`;
  // Sent over SSH before this script runs (or, for a rendered script, put there by the reader).
  return `[ -n "$(find "$WHEELHOUSE_DIR" -maxdepth 1 -name '*.whl' 2>/dev/null)" ] || die "python-wheelhouse: no wheels in $WHEELHOUSE_DIR"\n`;
}

export type LocalWheelhouse = Exclude<WheelhouseSource, { kind: 'url' }>;

/** The archive to send for a local source: a tarball as it is, a folder packed with tar. */
export async function wheelhouseArchive(source: LocalWheelhouse): Promise<Buffer> {
  if (source.kind === 'tarball') return readFileSync(source.path);
  const { stdout } = await promisify(execFile)(
    'tar',
    ['-cf', '-', '-C', source.path, '--', ...source.files],
    {
      encoding: 'buffer',
      maxBuffer: 8 * 1024 ** 3,
    },
  );
  return stdout;
}

/** The remote end of sendWheelhouse: $1 the archive just uploaded (removed whatever happens). */
const UNPACK_SENT = `${WHEELHOUSE_FUNCTIONS}
trap 'rm -f -- "$1"' EXIT
rm -rf "$WHEELHOUSE_DIR"
unpack_wheelhouse "$1"
`;

/**
 * Makes WHEELHOUSE_DIR on the VM hold the wheelhouse: a local one is sent over SSH and unpacked, a
 * URL is fetched by the VM. Replaces what an earlier run left there.
 */
export async function installWheelhouse(
  session: Pick<SshSession, 'upload' | 'exec' | 'where'>,
  source: WheelhouseSource,
  reporter: Pick<Reporter, 'info' | 'relay'>,
): Promise<void> {
  // The scripts' own messages say what went wrong; the script text is no name for the command.
  const unpack = async (script: string, argument: string): Promise<void> => {
    const result = await session.exec(['sh', '-c', script, 'sh', argument], {
      sudo: true,
      allowFailure: true,
      onStdout: (text) => reporter.relay(text.replace(/\n$/, '')),
    });
    if (result.code !== 0) {
      throw new CommandError(
        `python-wheelhouse on ${session.where}`,
        result.code,
        result.stderr.trim().slice(-4000),
      );
    }
  };
  if (source.kind === 'url') {
    await unpack(`${WHEELHOUSE_FUNCTIONS}\nrm -rf "$WHEELHOUSE_DIR"\nfetch_wheelhouse "$1"`, source.url);
    return;
  }
  const archive = await wheelhouseArchive(source);
  reporter.info(`python-wheelhouse: sending ${source.path} (${(archive.length / 1024 ** 2).toFixed(1)} MiB)`);
  const sent = `/var/tmp/.indicovm-wheelhouse-${randomBytes(8).toString('hex')}`;
  await session.upload(archive, sent, { sudo: true, mode: 0o600 });
  await unpack(UNPACK_SENT, sent);
}

/** Removes the wheelhouse (after upgrade; the sealer removes the build's). */
export const REMOVE_WHEELHOUSE = ['rm', '-rf', '--', WHEELHOUSE_PARENT] as const;
