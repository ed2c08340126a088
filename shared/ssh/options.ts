import type { Secret } from '../secret.js';
import type { HostKeyPins } from './host-key.js';
import type { Duplex } from 'node:stream';

/** One SSH server and how to log in to it and recognise it. */
export interface SshEndpoint extends HostKeyPins {
  readonly host: string;
  /** Defaults to 22. */
  readonly port?: number;
  readonly username: string;
  /** OpenSSH or PEM private key text, or the path of a file holding it. */
  readonly privateKey?: Secret | string;
  /** The input privateKey came from, for error messages (default: ssh-key, or proxy-ssh-key on the jump host). */
  readonly keyInput?: string;
  readonly passphrase?: Secret;
  readonly password?: Secret;
  /** An ssh-agent socket (SSH_AUTH_SOCK), used when given. */
  readonly agent?: string;
}

export interface RetryOptions {
  /** Attempts in all, at least (default 3). */
  readonly attempts?: number;
  /** Keep retrying until this much time has passed since the first attempt (default 0). */
  readonly forMs?: number;
  /** First wait between attempts (default 1 s); it doubles up to maxDelayMs (default 10 s). */
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
}

/** An open session that forwards TCP connections (an SshSession): what `via` needs of its jump host. */
export interface SshTunnel {
  readonly where: string;
  tunnel(host: string, port: number): Promise<Duplex>;
}

export interface SshConnectOptions extends SshEndpoint {
  /** One jump host: the target is reached through its direct-tcpip forwarding. */
  readonly proxy?: SshEndpoint;
  /**
   * A session to the jump host that several targets share (a fleet): used instead of `proxy`, and left
   * open when this session closes.
   */
  readonly via?: SshTunnel;
  /** Time for one attempt, from TCP connect to a logged-in session (default 30 s). */
  readonly connectTimeoutMs?: number;
  /** Retries on connection errors only, never on authentication or host key failures. */
  readonly retry?: RetryOptions;
  /** Default time limit of each command run in the session (default: none). */
  readonly commandTimeoutMs?: number;
  /** Interval of SSH keepalive pings, so that a dead peer is noticed (default 15 s; 0 turns them off). */
  readonly keepaliveIntervalMs?: number;
}

export function endpointName(endpoint: Pick<SshEndpoint, 'host' | 'port'>): string {
  const port = endpoint.port ?? 22;
  return endpoint.host.includes(':') ? `[${endpoint.host}]:${port}` : `${endpoint.host}:${port}`;
}
