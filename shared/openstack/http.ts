/**
 * The one HTTP client every OpenStack call goes through: TLS (CA file, pinning the server name),
 * proxies, per-attempt deadlines, retries with backoff honouring Retry-After, streamed bodies and the
 * services' error messages. Its size is one reason: these interlock in one request loop (a retry must
 * rebuild the body, a deadline must know the body's size, a proxy changes the agent), and split apart
 * each piece would need the others' state.
 */
import { readFileSync } from 'node:fs';
import http, { type ClientRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { CommandError, ConfigurationError, errorMessage } from '../errors.js';
import { formatDuration, type Reporter } from '../report/reporter.js';
import { redact } from '../secret.js';
import { proxyFor, proxyLabel } from '../proxy.js';
import { backoffDelay, parseRetryAfter } from '../retry.js';

export { backoffDelay, parseRetryAfter };

/**
 * The one way the OpenStack client talks HTTP: node's own http/https, bodies streamed both ways,
 * bounded retries with backoff. Nothing here ever puts a header value (tokens live there) into a
 * message.
 */

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RetryPolicy {
  /** Total attempts, the first one included. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the request fails instead. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  maxRetryAfterMs: 120_000,
};

export interface HttpClientOptions {
  readonly reporter: Reporter;
  /** Path of a PEM bundle of CAs to trust instead of the system's. */
  readonly cacert?: string;
  /** Skip TLS verification (tests only). */
  readonly insecure?: boolean;
  /** Idle socket timeout: no byte in either direction for this long aborts the attempt. */
  readonly timeoutMs?: number;
  /**
   * Total time of one attempt, from connect to the response's last byte, plus one second per MiB
   * moved: a server that drips its answer cannot hold the job, a large image still has time.
   */
  readonly deadlineMs?: number;
  /** Total time of all attempts of one request, the waits between them included. */
  readonly retryBudgetMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  /** For tests: replaces the wait between attempts. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export type ResponseKind = 'json' | 'stream' | 'none';

export interface RequestSpec<K extends ResponseKind = ResponseKind> {
  readonly method: HttpMethod;
  readonly url: string | URL;
  readonly headers?: Readonly<Record<string, string>>;
  /** A JSON body. */
  readonly json?: unknown;
  /**
   * A streamed body; a factory, because a retry must send it again from the start. Each chunk is
   * written only after the socket has taken the one before, so a source may reuse its buffer.
   */
  readonly body?: () => AsyncIterable<Uint8Array>;
  readonly contentLength?: number;
  readonly contentType?: string;
  /** Whether sending it twice is harmless; by default everything but POST and PATCH. */
  readonly idempotent?: boolean;
  readonly response: K;
  /** Statuses that are not errors; by default 200-299. */
  readonly expect?: readonly number[];
  readonly timeoutMs?: number;
  /** The catalog's service type, named in errors ('identity', 'image', 'compute', …). */
  readonly service?: string;
}

export interface HttpResponse<T> {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: T;
}

type BodyOf<K extends ResponseKind> = K extends 'json'
  ? unknown
  : K extends 'stream'
    ? IncomingMessage
    : undefined;

/** A request that got an answer it did not want, or none at all. */
export class OpenStackHttpError extends CommandError {
  override readonly name = 'OpenStackHttpError';
  constructor(
    readonly method: string,
    readonly path: string,
    /** undefined when no response came (connection error, timeout). */
    readonly status: number | undefined,
    readonly serviceMessage: string,
  ) {
    super(
      `${method} ${path}`,
      null,
      '',
      status === undefined ? serviceMessage : `HTTP ${status}${serviceMessage ? `: ${serviceMessage}` : ''}`,
    );
  }
}

const RETRYABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']);
const MAX_JSON_BYTES = 32 * 1024 * 1024;
const MAX_ERROR_BYTES = 64 * 1024;
const DEFAULT_TIMEOUT_MS = 120_000;
export const DEFAULT_DEADLINE_MS = 300_000;
export const DEFAULT_RETRY_BUDGET_MS = 600_000;
/** The slowest transfer rate a deadline allows for: one MiB per second. */
const DEADLINE_BYTES_PER_SECOND = 1024 * 1024;

/** One attempt took longer than its deadline: not retried, as the next would be as slow. */
class DeadlineError extends Error {
  readonly code = 'EDEADLINE';
}

/** Why an attempt failed, as far as retrying is concerned. */
export type Failure =
  | { kind: 'status'; status: number; retryAfterMs: number | undefined; error: OpenStackHttpError }
  | { kind: 'connection'; code: string; error: OpenStackHttpError }
  | { kind: 'fatal'; error: Error };

export class HttpClient {
  readonly #options: HttpClientOptions;
  readonly #retry: RetryPolicy;
  readonly #httpAgent = new http.Agent({ keepAlive: false });
  readonly #httpsAgent: https.Agent;
  readonly #tls: { ca?: string; rejectUnauthorized: boolean };
  /** One agent per proxy and scheme, made when a request first needs it. */
  readonly #proxyAgents = new Map<string, http.Agent>();

  constructor(options: HttpClientOptions) {
    this.#options = options;
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    let ca: string | undefined;
    if (options.cacert) {
      try {
        ca = readFileSync(options.cacert, 'utf8');
      } catch (error) {
        throw new ConfigurationError(
          `cacert: cannot read the CA bundle ${options.cacert}: ${errorMessage(error)}`,
        );
      }
    }
    // keepAlive is off on purpose: a pooled socket the server has closed meanwhile fails the next request
    // with ECONNRESET, and a POST cannot safely be retried after that.
    this.#tls = { ...(ca ? { ca } : {}), rejectUnauthorized: !options.insecure };
    this.#httpsAgent = new https.Agent({ keepAlive: false, ...this.#tls });
  }

  /** The direct agent, or the agent through the proxy the environment names for this URL. */
  #agentFor(url: URL, secure: boolean): http.Agent {
    const proxy = proxyFor(url);
    if (!proxy) {
      return secure ? this.#httpsAgent : this.#httpAgent;
    }
    const key = `${secure ? 'https' : 'http'} ${proxy.href}`;
    let agent = this.#proxyAgents.get(key);
    if (!agent) {
      this.#options.reporter.info(
        `OpenStack requests to ${url.protocol}// hosts go through the proxy ${proxyLabel(proxy)}.`,
      );
      // https targets are tunnelled with CONNECT, so TLS (and its CA, given with each request) is end to
      // end with the endpoint.
      agent = secure
        ? new HttpsProxyAgent(proxy, { keepAlive: false })
        : new HttpProxyAgent(proxy, { keepAlive: false });
      this.#proxyAgents.set(key, agent);
    }
    return agent;
  }

  get reporter(): Reporter {
    return this.#options.reporter;
  }

  async request<K extends ResponseKind>(spec: RequestSpec<K>): Promise<HttpResponse<BodyOf<K>>> {
    const url = new URL(spec.url);
    const path = `${url.pathname}${url.search}`;
    const label = `${spec.method} ${path}`;
    const idempotent = spec.idempotent ?? !['POST', 'PATCH'].includes(spec.method);
    const sleep =
      this.#options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    const started = Date.now();
    const budget = this.#options.retryBudgetMs ?? DEFAULT_RETRY_BUDGET_MS;
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await this.#attempt(spec, url, path);
      if (outcome.ok) {
        return outcome.response as HttpResponse<BodyOf<K>>;
      }
      const failure = outcome.failure;
      if (failure.kind === 'fatal') {
        throw failure.error;
      }
      const delay = retryDelay(failure, attempt, idempotent, this.#retry);
      const elapsed = Date.now() - started;
      const gaveUp = (limit: string): OpenStackHttpError => {
        const { error } = failure;
        return new OpenStackHttpError(
          error.method,
          error.path,
          error.status,
          `${error.serviceMessage ? `${error.serviceMessage}; ` : ''}gave up on ${serviceLabel(spec, url)} ` +
            `after ${attempt} attempt(s) in ${formatDuration(elapsed)} (${limit})`,
        );
      };
      if (delay === undefined) {
        // Only a retried request says how often it was tried; a single failure speaks for itself.
        throw attempt > 1 ? gaveUp(`${this.#retry.attempts} attempts allowed`) : failure.error;
      }
      if (elapsed + delay > budget) {
        throw gaveUp(`api-retry-budget: ${formatDuration(budget)}`);
      }
      const cause = failure.kind === 'status' ? String(failure.status) : failure.code;
      this.reporter.info(
        `Retrying ${label}: attempt ${attempt + 1} of ${this.#retry.attempts} after ${cause}`,
      );
      await sleep(delay);
    }
  }

  async #attempt(
    spec: RequestSpec,
    url: URL,
    path: string,
  ): Promise<{ ok: true; response: HttpResponse<unknown> } | { ok: false; failure: Failure }> {
    let response: IncomingMessage;
    try {
      response = await this.#send(spec, url);
    } catch (error) {
      return { ok: false, failure: connectionFailure(error, spec.method, path) };
    }
    const status = response.statusCode ?? 0;
    const wanted = spec.expect ? spec.expect.includes(status) : status >= 200 && status < 300;
    try {
      if (!wanted) {
        // A service may echo the request (a password, in JSON-escaped form) into its error text.
        const text = redact((await readBody(response, MAX_ERROR_BYTES, true)).toString('utf8'));
        const error = new OpenStackHttpError(spec.method, path, status, serviceMessage(text));
        return {
          ok: false,
          failure: {
            kind: 'status',
            status,
            retryAfterMs: parseRetryAfter(header(response.headers, 'retry-after')),
            error,
          },
        };
      }
      if (spec.response === 'stream') {
        return { ok: true, response: { status, headers: response.headers, body: response } };
      }
      const raw = await readBody(response, MAX_JSON_BYTES, false);
      let body: unknown;
      if (spec.response === 'json' && raw.length > 0) {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          return {
            ok: false,
            failure: {
              kind: 'fatal',
              error: new OpenStackHttpError(spec.method, path, status, 'the response is not JSON'),
            },
          };
        }
      }
      return { ok: true, response: { status, headers: response.headers, body } };
    } catch (error) {
      // The connection broke while the answer was being read.
      return { ok: false, failure: connectionFailure(error, spec.method, path) };
    }
  }

  #send(spec: RequestSpec, url: URL): Promise<IncomingMessage> {
    const headers: Record<string, string> = { Accept: 'application/json', ...spec.headers };
    let payload: Buffer | undefined;
    if (spec.json !== undefined) {
      payload = Buffer.from(JSON.stringify(spec.json), 'utf8');
      headers['Content-Type'] = spec.contentType ?? 'application/json';
      headers['Content-Length'] = String(payload.length);
    } else if (spec.body) {
      headers['Content-Type'] = spec.contentType ?? 'application/octet-stream';
      // Without a length node sends Transfer-Encoding: chunked.
      if (spec.contentLength !== undefined) {
        headers['Content-Length'] = String(spec.contentLength);
      }
    }
    const secure = url.protocol === 'https:';
    if (!secure && url.protocol !== 'http:') {
      throw new ConfigurationError(
        `${url.protocol} is not an OpenStack endpoint scheme; use http: or https:`,
      );
    }
    const transport = secure ? https : http;
    const agent = this.#agentFor(url, secure);
    const timeout = spec.timeoutMs ?? this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const deadline = this.#options.deadlineMs ?? DEFAULT_DEADLINE_MS;

    return new Promise<IncomingMessage>((resolve, reject) => {
      let settled = false;
      let sentAnything = false;
      const request = transport.request(url, {
        method: spec.method,
        headers,
        agent,
        // The name is checked against the URL's host: through a CONNECT tunnel the socket knows none.
        ...(secure
          ? {
              ...this.#tls,
              checkServerIdentity: (_: string, cert: PeerCertificate) =>
                checkServerIdentity(url.hostname.replace(/^\[|\]$/g, ''), cert),
            }
          : {}),
      });
      let response: IncomingMessage | undefined;
      const disarm = armDeadline(
        deadline,
        () => (request.socket ? request.socket.bytesRead + request.socket.bytesWritten : 0),
        (elapsed) => {
          const error = new DeadlineError(
            `${serviceLabel(spec, url)} sent no complete answer within ${formatDuration(elapsed)} ` +
              `(api-timeout: ${formatDuration(deadline)} plus 1 s per MiB moved)`,
          );
          request.destroy(error);
          response?.destroy(error);
        },
      );
      request.on('close', () => {
        if (!response) {
          disarm();
        }
      });
      const fail = (error: Error): void => {
        if (!settled) {
          settled = true;
          reject(error);
        }
      };
      request.setTimeout(timeout, () => {
        request.destroy(
          Object.assign(new Error(`no data for ${Math.round(timeout / 1000)} s`), { code: 'ETIMEDOUT' }),
        );
      });
      request.on('socket', (socket) => socket.once('connect', () => (sentAnything = true)));
      request.on('error', (error: NodeJS.ErrnoException) => {
        // ECONNREFUSED after the connection was up would wrongly make a POST look unsent.
        if (error.code === 'ECONNREFUSED' && sentAnything) {
          error.code = 'ECONNRESET';
        }
        fail(error);
      });
      request.on('response', (answer) => {
        // The service may answer (413, 409) before the body is complete; its answer is what counts.
        settled = true;
        response = answer;
        // The deadline covers the body too, whoever reads it.
        answer.on('close', disarm);
        resolve(answer);
      });
      if (spec.body) {
        let body: AsyncIterable<Uint8Array>;
        try {
          body = spec.body();
        } catch (error) {
          request.destroy();
          fail(new BodyError(error));
          return;
        }
        void writeBody(body, request, (error) => {
          fail(new BodyError(error));
          request.destroy();
        });
      } else {
        request.end(payload);
      }
    });
  }
}

/**
 * Writes the body chunk by chunk, each after the socket has taken the one before, then ends the
 * request. A failed source goes to onBodyError; a failed or closed request ends the writing (its own
 * error event reports it) and closes the source.
 */
async function writeBody(
  body: AsyncIterable<Uint8Array>,
  request: ClientRequest,
  onBodyError: (error: unknown) => void,
): Promise<void> {
  const chunks = body[Symbol.asyncIterator]();
  const closed = new Promise<false>((resolve) => request.once('close', () => resolve(false)));
  try {
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await chunks.next();
      } catch (error) {
        onBodyError(error);
        return;
      }
      if (next.done) {
        request.end();
        return;
      }
      const written = new Promise<boolean>((resolve) =>
        request.write(next.value, (error) => resolve(!error)),
      );
      if (!(await Promise.race([written, closed]))) return;
    }
  } finally {
    await chunks.return?.().catch(() => undefined);
  }
}

/** The request body itself failed (a file could not be read): not the network's fault, no retry. */
class BodyError extends Error {
  constructor(cause: unknown) {
    super(`reading the request body failed: ${errorMessage(cause)}`);
  }
}

/**
 * Calls onExpired once an attempt has run for deadlineMs plus one second per MiB transferred; the
 * returned function disarms it. The timer does not keep the process alive.
 */
function armDeadline(
  deadlineMs: number,
  transferred: () => number,
  onExpired: (elapsedMs: number) => void,
): () => void {
  const started = Date.now();
  let timer: NodeJS.Timeout;
  const check = (): void => {
    const left = started + deadlineMs + (transferred() / DEADLINE_BYTES_PER_SECOND) * 1000 - Date.now();
    if (left <= 0) {
      onExpired(Date.now() - started);
    } else {
      timer = setTimeout(check, left).unref();
    }
  };
  timer = setTimeout(check, deadlineMs).unref();
  return () => clearTimeout(timer);
}

function serviceLabel(spec: RequestSpec, url: URL): string {
  return `${spec.service ? `the ${spec.service} service` : 'the service'} at ${url.host}`;
}

function connectionFailure(error: unknown, method: string, path: string): Failure {
  if (error instanceof BodyError || error instanceof ConfigurationError) {
    return { kind: 'fatal', error };
  }
  if (error instanceof DeadlineError) {
    return { kind: 'fatal', error: new OpenStackHttpError(method, path, undefined, error.message) };
  }
  const code = (error as NodeJS.ErrnoException).code ?? 'ERROR';
  const wrapped = new OpenStackHttpError(method, path, undefined, `${code}: ${errorMessage(error)}`);
  return RETRYABLE_CODES.has(code)
    ? { kind: 'connection', code, error: wrapped }
    : { kind: 'fatal', error: wrapped };
}

/** How long to wait before the next attempt, or undefined to give up. Exported for tests. */
export function retryDelay(
  failure: Failure,
  attempt: number,
  idempotent: boolean,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number | undefined {
  if (attempt >= policy.attempts || failure.kind === 'fatal') {
    return undefined;
  }
  if (failure.kind === 'connection') {
    // A create that may have reached the service must not be sent again: a second image or server would
    // be made and never cleaned up. Only a refused connection proves that nothing was sent.
    if (!idempotent && failure.code !== 'ECONNREFUSED') {
      return undefined;
    }
    return backoffDelay(attempt, policy, random);
  }
  if (!(failure.status === 429 || failure.status >= 500) || !idempotent) {
    return undefined;
  }
  if (failure.retryAfterMs !== undefined) {
    return failure.retryAfterMs <= policy.maxRetryAfterMs ? failure.retryAfterMs : undefined;
  }
  return backoffDelay(attempt, policy, random);
}

/**
 * The human part of an OpenStack error body: Nova's {"badRequest": {"message"}}, Keystone's
 * {"error": {"message"}}, Glance's {"message"} (with <br /> in it), Neutron's {"NeutronError":
 * {"message"}}, or a short plain text. HTML pages are reduced to their text.
 */
export function serviceMessage(body: string): string {
  const text = body.trim();
  if (text === '') {
    return '';
  }
  let message: string | undefined;
  try {
    message = messageFromJson(JSON.parse(text));
  } catch {
    message = undefined;
  }
  if (message === undefined) {
    message = text.startsWith('<')
      ? text.replace(/<title>[^<]*<\/title>/i, ' ').replace(/<[^>]*>/g, ' ')
      : text;
  }
  return tidy(message);
}

function messageFromJson(parsed: unknown): string | undefined {
  if (typeof parsed !== 'object' || parsed === null) {
    return typeof parsed === 'string' ? parsed : undefined;
  }
  const record = parsed as Record<string, unknown>;
  if (typeof record.message === 'string') {
    return record.message;
  }
  if (typeof record.error === 'string') {
    return record.error;
  }
  for (const value of Object.values(record)) {
    if (typeof value === 'object' && value !== null) {
      const inner = value as Record<string, unknown>;
      if (typeof inner.message === 'string') {
        return inner.message;
      }
    }
  }
  return undefined;
}

function tidy(message: string): string {
  const clean = message
    .replace(/<br\s*\/?>/gi, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
  return clean.length > 500 ? `${clean.slice(0, 500)}…` : clean;
}

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(stream: IncomingMessage, limit: number, truncate: boolean): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      if (truncate) {
        stream.destroy();
        break;
      }
      throw Object.assign(new Error(`response larger than ${limit} bytes`), { code: 'ETOOLARGE' });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
