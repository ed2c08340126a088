/**
 * A logged-in SSH session to one machine: commands, scripts, files and tunnels. It is what the image
 * build (provisioning) and action-manage talk to a VM through.
 *
 * Over 300 lines: SshSession is the one object commands, scripts, uploads, downloads and tunnels go
 * through, each a thin method over exec.ts, sftp and forward.ts that needs the session's connection
 * state (reconnects, the jump host, closing); establish() opens that connection.
 */
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { Duplex } from 'node:stream';
import type { Client, ClientChannel, SFTPWrapper } from 'ssh2';
import { CommandError } from '../errors.js';
import type { Reporter } from '../report/reporter.js';
import { openClient, withRetries, type OpenedClient } from './connect.js';
import { SshConnectionLostError } from './errors.js';
import {
  buildCommand,
  checkResult,
  runCommand,
  type ExecOptions,
  type ExecResult,
  type RawExecResult,
} from './exec.js';
import { forwardLocal, type LocalForward } from './forward.js';
import { HostKeyPolicy, type HostPublicKey } from './host-key.js';
import { endpointName, type SshConnectOptions, type SshEndpoint } from './options.js';
import {
  isMissingFileError,
  readRemoteFile,
  removeQuietly,
  temporarySibling,
  uploadAtomic,
  writeNewFile,
} from './sftp.js';

export type { ExecOptions, ExecResult } from './exec.js';
export type { LocalForward } from './forward.js';

const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
const DEFAULT_KEEPALIVE_MS = 15_000;
/** The exit status the sudo read uses for "no such file" (a cat failure is 1). */
const MISSING_STATUS = 66;

export interface ScriptOptions extends Omit<ExecOptions, 'stdin'> {
  /** Positional parameters ($1...) of the script. */
  readonly args?: readonly string[];
}

export interface UploadOptions {
  /** Permission bits, like 0o644 (default 0o644). */
  readonly mode?: number;
  /** Install through sudo (for a non-root user writing where only root may). */
  readonly sudo?: boolean;
  /** Owner and group of the file (needs root or sudo). */
  readonly owner?: string;
  readonly group?: string;
}

interface Connection {
  readonly client: Client;
  readonly proxy?: Client;
  readonly hostKey: HostPublicKey;
  readonly proxyHostKey?: HostPublicKey;
}

/** Opens the jump host (if any), then the target, each verified against its own pins. */
async function establish(
  options: SshConnectOptions,
  policies: { target: HostKeyPolicy; proxy?: HostKeyPolicy },
  reporter: Reporter,
): Promise<Connection> {
  const readyTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const keepaliveIntervalMs = options.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_MS;
  const where = endpointName(options);
  const via = options.via;
  const proxyEndpoint = options.proxy;
  const proxyPolicy = policies.proxy;
  const openTarget = (sock?: Duplex) =>
    openClient({
      endpoint: options,
      policy: policies.target,
      readyTimeoutMs,
      keepaliveIntervalMs,
      reporter,
      sock,
    });
  if (via || !proxyEndpoint || !proxyPolicy) {
    // Directly, or through a tunnel another session holds open (a shared jump host).
    const label = via ? `${where} through ${via.where}` : where;
    const opened = await withRetries(label, options.retry, reporter, async () =>
      openTarget(via ? await via.tunnel(options.host, options.port ?? 22) : undefined),
    );
    return { client: opened.client, hostKey: opened.hostKey };
  }
  const proxyWhere = endpointName(proxyEndpoint);
  return withRetries(`${where} through ${proxyWhere}`, options.retry, reporter, async () => {
    const proxy = await openClient({
      endpoint: proxyEndpoint,
      policy: proxyPolicy,
      readyTimeoutMs,
      keepaliveIntervalMs,
      reporter,
      inputPrefix: 'proxy-',
    });
    try {
      const stream = await tunnelThrough(proxy.client, proxyWhere, options.host, options.port ?? 22);
      const target: OpenedClient = await openTarget(stream);
      // Losing the jump host loses the target too.
      proxy.client.on('close', () => target.client.end());
      return {
        client: target.client,
        proxy: proxy.client,
        hostKey: target.hostKey,
        proxyHostKey: proxy.hostKey,
      };
    } catch (error) {
      proxy.client.end();
      throw error;
    }
  });
}

/** A direct-tcpip channel from a jump host to host:port, to run a second SSH connection over. */
function tunnelThrough(
  client: Client,
  jumpWhere: string,
  host: string,
  port: number,
): Promise<ClientChannel> {
  return new Promise<ClientChannel>((resolve, reject) =>
    client.forwardOut('127.0.0.1', 0, host, port, (error, channel) =>
      error ? reject(forwardError(jumpWhere, endpointName({ host, port }), error)) : resolve(channel),
    ),
  );
}

/**
 * A target that is still booting refuses the jump host's connection, which is worth another attempt;
 * a jump host that forbids forwarding is not.
 */
function forwardError(proxyWhere: string, where: string, cause: Error): Error {
  const error = new Error(`The jump host ${proxyWhere} could not reach ${where}: ${cause.message}`);
  const transient = /connect failed|refused|timed out|unreachable/i.test(cause.message);
  return transient && !/prohibited/i.test(cause.message)
    ? Object.assign(error, { code: 'ECONNREFUSED' })
    : error;
}

function policyFor(endpoint: SshEndpoint, inputPrefix: string): HostKeyPolicy {
  return new HostKeyPolicy(endpoint.host, endpoint.port ?? 22, endpoint, inputPrefix);
}

/** Connects, verifies the host key and logs in; retries while the server is not answering yet. */
export async function connect(options: SshConnectOptions, reporter: Reporter): Promise<SshSession> {
  for (const secret of [
    options.password,
    options.passphrase,
    options.proxy?.password,
    options.proxy?.passphrase,
  ]) {
    if (secret) {
      reporter.mask(secret.reveal());
    }
  }
  // Pins are checked before any network traffic: a missing pin is an input error.
  const policies = {
    target: policyFor(options, ''),
    ...(options.proxy ? { proxy: policyFor(options.proxy, 'proxy-') } : {}),
  };
  const connection = await establish(options, policies, reporter);
  return new SshSession(options, reporter, connection);
}

export class SshSession {
  readonly where: string;
  #connection: Connection;
  #closed = false;
  #lostReason: string | undefined;
  #sftp: Promise<SFTPWrapper> | undefined;
  readonly #forwards = new Set<LocalForward>();

  /** Use connect(). */
  constructor(
    private readonly options: SshConnectOptions,
    private readonly reporter: Reporter,
    connection: Connection,
  ) {
    this.where = endpointName(options);
    this.#connection = connection;
    this.#watch(connection);
  }

  get username(): string {
    return this.options.username;
  }

  /** The host key this session verified (type and SHA256 fingerprint are derived from it). */
  get hostKey(): HostPublicKey {
    return this.#connection.hostKey;
  }

  get connected(): boolean {
    return !this.#closed && this.#lostReason === undefined;
  }

  #watch(connection: Connection): void {
    const { client } = connection;
    client.on('error', (error: Error) => {
      this.#lostReason ??= error.message;
      this.reporter.debug(`SSH connection to ${this.where}: ${error.message}`);
    });
    client.on('close', () => {
      if (this.#connection === connection) {
        this.#lostReason ??= 'the server closed the connection';
        this.#sftp = undefined;
      }
    });
  }

  #client(during: string): Client {
    if (this.#closed) {
      throw new Error(`The SSH session to ${this.where} is closed.`);
    }
    if (this.#lostReason !== undefined) {
      throw new SshConnectionLostError(this.where, during, this.#lostReason);
    }
    return this.#connection.client;
  }

  async #run(argv: readonly string[], options: ExecOptions): Promise<{ raw: RawExecResult; shown: string }> {
    const timeoutMs = options.timeoutMs ?? this.options.commandTimeoutMs ?? 0;
    const command = buildCommand(argv, {
      sudo: options.sudo,
      env: options.env,
      username: this.username,
      timeoutMs,
    });
    const client = this.#client(`before ${command.shown}`);
    command.secrets.forEach((secret) => this.reporter.mask(secret));
    this.reporter.debug(`${this.where}$ ${command.shown}`);
    const raw = await runCommand(client, command, { ...options, timeoutMs }, this.where);
    checkResult(command, raw, options.allowFailure);
    return { raw, shown: command.shown };
  }

  /** Runs argv (quoted by shared/shell/quote.ts); throws CommandError on a non-zero status. */
  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const { raw } = await this.#run(argv, options);
    return {
      code: raw.code,
      ...(raw.signal !== undefined ? { signal: raw.signal } : {}),
      stdout: raw.stdout.toString('utf8'),
      stderr: raw.stderr.toString('utf8'),
    };
  }

  /** Sends a shell script to `sh -s` on stdin; `set -e` and the like are up to the script. */
  runScript(script: string, options: ScriptOptions = {}): Promise<ExecResult> {
    const { args = [], ...rest } = options;
    return this.exec(['sh', '-s', '--', ...args], { ...rest, stdin: script });
  }

  #sftpChannel(): Promise<SFTPWrapper> {
    const client = this.#client('before a file transfer');
    this.#sftp ??= new Promise<SFTPWrapper>((resolve, reject) =>
      client.sftp((error, sftp) => (error ? reject(error) : resolve(sftp))),
    ).catch((error: unknown) => {
      this.#sftp = undefined;
      throw error;
    });
    return this.#sftp;
  }

  #needsSudo(sudo: boolean | undefined): boolean {
    return sudo === true && this.username !== 'root';
  }

  /** Writes a file atomically with the given mode; through sudo, a private temporary file is installed. */
  async upload(content: Buffer | string, remotePath: string, options: UploadOptions = {}): Promise<void> {
    if (!posix.isAbsolute(remotePath)) {
      throw new Error(`The remote path ${JSON.stringify(remotePath)} must be absolute.`);
    }
    const mode = options.mode ?? 0o644;
    const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    const sftp = await this.#sftpChannel();
    if (!this.#needsSudo(options.sudo) && options.owner === undefined && options.group === undefined) {
      await uploadAtomic(sftp, data, remotePath, mode);
      return;
    }
    // Only this user can read the temporary copy, even when the final file is to be secret.
    const privateCopy = `/tmp/.indicovm-upload-${randomBytes(8).toString('hex')}`;
    await writeNewFile(sftp, privateCopy, data, 0o600);
    try {
      // $1 mode, $2 private copy, $3 staging name beside the target, $4 target, $5 owner, $6 group.
      const script = [
        // The private copy goes in the same command, so a connection lost later leaves no copy behind.
        'install -m "$1" ${5:+-o "$5"} ${6:+-g "$6"} -- "$2" "$3" || { rm -f -- "$2"; exit 1; }',
        'rm -f -- "$2"',
        'mv -f -- "$3" "$4" || { rm -f -- "$3"; exit 1; }',
      ].join('\n');
      const argv = [
        'sh',
        '-c',
        script,
        'sh',
        mode.toString(8),
        privateCopy,
        temporarySibling(remotePath),
        remotePath,
      ];
      await this.exec([...argv, options.owner ?? '', options.group ?? ''], { sudo: options.sudo });
    } finally {
      await removeQuietly(sftp, privateCopy);
    }
  }

  /** The content of a remote file; through sudo (non-root) it is read with `cat`. */
  async download(remotePath: string, options: { sudo?: boolean } = {}): Promise<Buffer> {
    const content = await this.readFile(remotePath, options);
    if (content === undefined) {
      throw new CommandError(`download ${remotePath}`, null, '', 'no such file');
    }
    return content;
  }

  /** Like download, but undefined when the file does not exist. */
  async readFile(remotePath: string, options: { sudo?: boolean } = {}): Promise<Buffer | undefined> {
    if (this.#needsSudo(options.sudo)) {
      const script = `[ -e "$1" ] || exit ${MISSING_STATUS}; exec cat -- "$1"`;
      const { raw } = await this.#run(['sh', '-c', script, 'sh', remotePath], {
        sudo: true,
        allowFailure: true,
      });
      if (raw.code === MISSING_STATUS) {
        return undefined;
      }
      checkResult(
        buildCommand(['cat', '--', remotePath], { sudo: true, username: this.username }),
        raw,
        false,
      );
      return raw.stdout;
    }
    const sftp = await this.#sftpChannel();
    try {
      return await readRemoteFile(sftp, remotePath);
    } catch (error) {
      if (isMissingFileError(error)) {
        return undefined;
      }
      throw new CommandError(`download ${remotePath}`, null, '', (error as Error).message);
    }
  }

  /** A tunnel from a free port on 127.0.0.1 to remoteHost:remotePort as seen from the server. */
  async forwardLocal(remoteHost: string, remotePort: number): Promise<LocalForward> {
    const forward = await forwardLocal(
      this.#client('before opening a tunnel'),
      remoteHost,
      remotePort,
      this.reporter,
    );
    const tracked: LocalForward = {
      port: forward.port,
      close: async () => {
        this.#forwards.delete(tracked);
        await forward.close();
      },
    };
    this.#forwards.add(tracked);
    return tracked;
  }

  /** A channel from this host to host:port (as `ssh -J` uses a jump host), for another session. */
  tunnel(host: string, port: number): Promise<ClientChannel> {
    if (this.#closed) {
      return Promise.reject(new Error(`The SSH session to ${this.where} is closed.`));
    }
    return tunnelThrough(this.#connection.client, this.where, host, port);
  }

  /**
   * Opens the connection again after it was lost, accepting only the host keys verified the first
   * time (so a first contact with insecure-accept-host-key does not accept a second, different key).
   */
  async reconnect(): Promise<void> {
    if (this.#closed) {
      throw new Error(`The SSH session to ${this.where} is closed.`);
    }
    await this.#closeForwards();
    this.#connection.client.end();
    this.#connection.proxy?.end();
    const previous = this.#connection;
    const policies = {
      target: HostKeyPolicy.pinnedTo(this.options.host, this.options.port ?? 22, previous.hostKey),
      ...(this.options.proxy && previous.proxyHostKey
        ? {
            proxy: HostKeyPolicy.pinnedTo(
              this.options.proxy.host,
              this.options.proxy.port ?? 22,
              previous.proxyHostKey,
            ),
          }
        : {}),
    };
    const connection = await establish(this.options, policies, this.reporter);
    this.#connection = connection;
    this.#lostReason = undefined;
    this.#sftp = undefined;
    this.#watch(connection);
    this.reporter.debug(`Reconnected to ${this.where}`);
  }

  async #closeForwards(): Promise<void> {
    await Promise.all([...this.#forwards].map((forward) => forward.close()));
  }

  async close(): Promise<void> {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    await this.#closeForwards();
    const { client, proxy } = this.#connection;
    if (this.#lostReason !== undefined) {
      client.end();
      proxy?.end();
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      client.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      client.end();
    });
    proxy?.end();
  }
}
