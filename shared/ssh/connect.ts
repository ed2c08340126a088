/**
 * Opening one logged-in ssh2 Client: host key verification, credentials, the jump host and retries
 * while a freshly booted machine's sshd is not answering yet.
 */
import type { Duplex } from 'node:stream';
import ssh2, { type Client, type ConnectConfig } from 'ssh2';
import type { Reporter } from '../report/reporter.js';
import { withRetry } from '../retry.js';
import { ConfigurationError } from '../errors.js';
import { HostKeyMismatchError, SshAuthenticationError, SshConnectionError } from './errors.js';
import { HostKeyPolicy, type HostPublicKey, keyTypeOf } from './host-key.js';
import { loadPrivateKey } from './private-key.js';
import { endpointName, type RetryOptions, type SshEndpoint } from './options.js';

const RETRYABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EPIPE',
  'EAI_AGAIN',
]);

/** Errors of a server that is not (yet) answering, as opposed to one that answered no. */
export function isRetryableConnectError(error: unknown): boolean {
  // Errors from node:net may come from another realm (test sandboxes), so no instanceof Error here.
  if (error instanceof ConfigurationError || typeof error !== 'object' || error === null) {
    return false;
  }
  const { code, level, message } = error as { code?: unknown; level?: unknown; message?: unknown };
  if (typeof message !== 'string') {
    return false;
  }
  if (typeof code === 'string' && RETRYABLE_CODES.has(code)) {
    return true;
  }
  if (level === 'client-timeout') {
    return true;
  }
  // A starting sshd accepts and drops connections before it can exchange identification strings.
  return /Connection lost before handshake|kex_exchange_identification|No response from server|Keepalive timeout/i.test(
    message,
  );
}

export interface OpenedClient {
  readonly client: Client;
  /** The key the server proved it holds; reconnect() pins exactly this one. */
  readonly hostKey: HostPublicKey;
}

export interface OpenOptions {
  readonly endpoint: SshEndpoint;
  readonly policy: HostKeyPolicy;
  readonly readyTimeoutMs: number;
  readonly keepaliveIntervalMs: number;
  readonly reporter: Reporter;
  /** A stream to the server (through a jump host) instead of a TCP connection. */
  readonly sock?: Duplex;
  /** The name of the endpoint's inputs in error messages ('' for the target, 'proxy-' for the jump host). */
  readonly inputPrefix?: string;
}

function authConfig(
  endpoint: SshEndpoint,
  inputPrefix: string,
): { config: Partial<ConnectConfig>; methods: string[] } {
  const config: Partial<ConnectConfig> = {};
  const methods: string[] = [];
  if (endpoint.privateKey !== undefined) {
    const loaded = loadPrivateKey(
      endpoint.privateKey,
      endpoint.passphrase,
      endpoint.keyInput ?? `${inputPrefix}ssh-key`,
    );
    config.privateKey = loaded.key;
    if (loaded.passphrase !== undefined) {
      config.passphrase = loaded.passphrase;
    }
    methods.push('publickey');
  }
  if (endpoint.agent) {
    config.agent = endpoint.agent;
    methods.push('agent');
  }
  if (endpoint.password !== undefined) {
    config.password = endpoint.password.reveal();
    methods.push('password');
  }
  if (methods.length === 0) {
    // The jump host has no password input: its key is proxy-ssh-key, or ssh-key when that is empty.
    const give =
      inputPrefix === 'proxy-'
        ? 'give proxy-ssh-key (or ssh-key, which serves the jump host too when proxy-ssh-key is empty)'
        : `give ${inputPrefix}ssh-key, ${inputPrefix}password`;
    throw new ConfigurationError(
      `No SSH credentials for ${endpoint.username}@${endpointName(endpoint)}: ${give}, ` +
        'or run with an ssh-agent (SSH_AUTH_SOCK).',
    );
  }
  return { config, methods };
}

// ssh2's own default order; its `prepend` option does not move an algorithm that is already listed.
const HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/** Host key algorithms with the pinned ones first, so a server with several keys shows a pinned one. */
function hostKeyAlgorithms(pinnedTypes: readonly string[]): string[] | undefined {
  const preferred = pinnedTypes
    .flatMap((type) => (type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [type]))
    .filter((algorithm) => HOST_KEY_ALGORITHMS.includes(algorithm));
  if (preferred.length === 0) {
    return undefined;
  }
  return [...preferred, ...HOST_KEY_ALGORITHMS.filter((algorithm) => !preferred.includes(algorithm))];
}

/** One attempt: resolves with a logged-in client, or rejects (the client is then closed). */
export function openClient(options: OpenOptions): Promise<OpenedClient> {
  const { endpoint, policy, reporter } = options;
  const where = endpointName(endpoint);
  const { config: auth, methods } = authConfig(endpoint, options.inputPrefix ?? '');
  const preferred = hostKeyAlgorithms(policy.pinnedTypes);

  return new Promise<OpenedClient>((resolve, reject) => {
    const client: Client = new ssh2.Client();
    let verified: HostPublicKey | undefined;
    let mismatch: HostKeyMismatchError | undefined;
    let settled = false;

    const fail = (error: unknown) => {
      if (settled) {
        return;
      }
      settled = true;
      client.removeAllListeners('ready');
      // Errors after this point (from the socket being torn down) must not be unhandled.
      client.on('error', () => undefined);
      client.end();
      reject(error);
    };

    client.once('ready', () => {
      if (settled) {
        return;
      }
      settled = true;
      if (!verified) {
        client.end();
        reject(new Error(`The SSH library logged in to ${where} without verifying its host key.`));
        return;
      }
      resolve({ client, hostKey: verified });
    });
    client.on('error', (error: Error & { level?: string }) => {
      if (mismatch) {
        fail(mismatch);
      } else if (error.level === 'client-authentication') {
        fail(new SshAuthenticationError(where, endpoint.username, methods));
      } else {
        fail(error);
      }
    });
    client.on('close', () =>
      fail(mismatch ?? new Error(`Connection to ${where} closed during the handshake`)),
    );

    const config: ConnectConfig = {
      ...auth,
      host: endpoint.host,
      port: endpoint.port ?? 22,
      username: endpoint.username,
      readyTimeout: options.readyTimeoutMs,
      keepaliveInterval: options.keepaliveIntervalMs,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer) => {
        const decision = policy.decide(key);
        if (!decision.accepted) {
          mismatch = new HostKeyMismatchError(decision.type, decision.fingerprint, decision.reason);
          return false;
        }
        if (!decision.pinned) {
          reporter.warning(
            `Accepting the unverified ${decision.type} host key of ${where} (${decision.fingerprint}) because ` +
              'insecure-accept-host-key is set; pin it with fingerprint or host-keys.',
          );
        } else {
          reporter.debug(`Host key of ${where} verified: ${decision.type} ${decision.fingerprint}`);
        }
        verified = { type: keyTypeOf(key) ?? decision.type, blob: Buffer.from(key) };
        return true;
      },
      ...(preferred ? { algorithms: { serverHostKey: preferred as never } } : {}),
      ...(options.sock ? { sock: options.sock as never } : {}),
    };
    try {
      client.connect(config);
    } catch (error) {
      fail(error);
    }
  });
}

/** Runs attempt() until it succeeds or fails with an error that retrying cannot fix. */
export async function withRetries<T>(
  where: string,
  retry: RetryOptions | undefined,
  reporter: Reporter,
  attempt: () => Promise<T>,
): Promise<T> {
  const plan = {
    attempts: Math.max(1, retry?.attempts ?? 3),
    forMs: Math.max(0, retry?.forMs ?? 0),
    baseDelayMs: Math.max(1, retry?.initialDelayMs ?? 1000),
    maxDelayMs: Math.max(1, retry?.maxDelayMs ?? 10_000),
  };
  return withRetry(plan, attempt, (error) => ({ retry: isRetryableConnectError(error) }), {
    onRetry: (error, n, delay) =>
      reporter.debug(
        `SSH to ${where} not ready (${(error as Error).message}); attempt ${n + 1} in ${delay} ms`,
      ),
    exhausted: (error, n) => new SshConnectionError(where, n, error),
  });
}
