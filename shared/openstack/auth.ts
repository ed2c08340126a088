/**
 * Keystone v3 and the session every service client uses: the auth settings gathered from options,
 * clouds.yaml and OS_* variables, the token (password, application credential or token auth), the
 * catalog and its endpoint choice, and requests that log in again once when a token stops being valid.
 * Over 300 lines because the token's life and the requests that use it share one state.
 */
import { ConfigurationError } from '../errors.js';
import type { Reporter } from '../report/reporter.js';
import { Secret } from '../secret.js';
import {
  authRequestBody,
  overlaySettings,
  planAuth,
  type AuthSettings,
  type ResolvedAuth,
} from './auth-settings.js';
import { loadCloudEntry, settingsFromCloudEntry, type CloudsYamlContext } from './clouds-yaml.js';
import {
  header,
  HttpClient,
  OpenStackHttpError,
  type HttpResponse,
  type RequestSpec,
  type ResponseKind,
  type RetryPolicy,
} from './http.js';

/**
 * Keystone v3 login and the session every service client uses: it adds the token, finds endpoints in
 * the catalog, renews the token shortly before it expires, and logs in again once when a service says
 * 401 (the token was revoked or expired early).
 */

export interface CatalogEndpoint {
  readonly interface: string;
  readonly region?: string | null;
  readonly region_id?: string | null;
  readonly url: string;
}

export interface CatalogEntry {
  readonly type: string;
  readonly name?: string;
  readonly endpoints: readonly CatalogEndpoint[];
}

/** The endpoint URL of a service type for an interface and (optionally) a region. */
export function selectEndpoint(
  catalog: readonly CatalogEntry[],
  type: string,
  iface: string,
  region: string | undefined,
): string | undefined {
  const candidates = catalog
    .filter((entry) => entry.type === type)
    .flatMap((entry) => entry.endpoints)
    .filter((endpoint) => endpoint.interface === iface);
  const inRegion = region
    ? candidates.filter((endpoint) => endpoint.region_id === region || endpoint.region === region)
    : candidates;
  if (!region) {
    const regions = new Set(inRegion.map((endpoint) => endpoint.region_id ?? endpoint.region ?? ''));
    if (regions.size > 1) {
      throw new ConfigurationError(
        `the ${type} service has endpoints in several regions (${[...regions].sort().join(', ')}); set region-name / OS_REGION_NAME`,
      );
    }
  }
  return inRegion[0]?.url.replace(/\/+$/, '');
}

export interface SessionOptions {
  readonly reporter: Reporter;
  /** For clouds.yaml: the environment (OS_CLIENT_CONFIG_FILE, XDG_CONFIG_HOME) and the working directory. */
  readonly cloudsYaml?: CloudsYamlContext;
  readonly timeoutMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  /** Renew the token when it expires within this time; default 5 minutes. */
  readonly renewMarginMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Explicit settings, over the clouds.yaml entry when `cloud` names one. */
export function gatherAuthSettings(explicit: AuthSettings, context: CloudsYamlContext): AuthSettings {
  if (!explicit.cloud) {
    return explicit;
  }
  const { entry } = loadCloudEntry(explicit.cloud, context);
  return overlaySettings(
    { ...settingsFromCloudEntry(explicit.cloud, entry), cloud: explicit.cloud },
    explicit,
  );
}

interface TokenState {
  readonly token: Secret;
  readonly expiresAt: number;
  readonly catalog: readonly CatalogEntry[];
  readonly userId: string;
  readonly projectId: string | undefined;
}

export type SessionRequest<K extends ResponseKind> = Omit<RequestSpec<K>, 'url'> & {
  /** Path below the service's endpoint, starting with '/'. */
  readonly path: string;
};

export class OpenStackSession {
  readonly http: HttpClient;
  readonly auth: ResolvedAuth;
  readonly #renewMarginMs: number;
  #state: TokenState | undefined;
  #login: Promise<TokenState> | undefined;
  readonly #warnedInsecure = new Set<string>();

  private constructor(auth: ResolvedAuth, http: HttpClient, renewMarginMs: number) {
    this.auth = auth;
    this.http = http;
    this.#renewMarginMs = renewMarginMs;
  }

  /** Reads clouds.yaml if asked to, checks the settings and logs in. */
  static async open(settings: AuthSettings, options: SessionOptions): Promise<OpenStackSession> {
    const context = options.cloudsYaml ?? { env: process.env, cwd: process.cwd() };
    const auth = planAuth(gatherAuthSettings(settings, context));
    const http = new HttpClient({
      reporter: options.reporter,
      cacert: auth.cacert,
      insecure: auth.insecure,
      timeoutMs: options.timeoutMs,
      deadlineMs: auth.apiTimeoutMs,
      retryBudgetMs: auth.apiRetryBudgetMs,
      retry: options.retry,
      sleep: options.sleep,
    });
    const session = new OpenStackSession(auth, http, options.renewMarginMs ?? 5 * 60_000);
    await session.#currentToken();
    return session;
  }

  get reporter(): Reporter {
    return this.http.reporter;
  }

  get userId(): string {
    return this.#required().userId;
  }

  get projectId(): string | undefined {
    return this.#required().projectId;
  }

  hasEndpoint(type: string): boolean {
    return this.#find(type) !== undefined;
  }

  endpoint(type: string): string {
    const url = this.#find(type);
    if (url === undefined) {
      const region = this.auth.regionName ? ` in region ${this.auth.regionName}` : '';
      throw new ConfigurationError(
        `the cloud's service catalog has no ${this.auth.interface} ${type} endpoint${region}; check interface and regionName`,
      );
    }
    this.#checkScheme(type, url);
    return url;
  }

  /**
   * The token goes wherever the catalog points: an http endpoint under an https auth-url would carry
   * it in clear, so it is refused unless allow-insecure-endpoints says otherwise.
   */
  #checkScheme(type: string, url: string): void {
    let scheme: string;
    try {
      scheme = new URL(url).protocol;
    } catch {
      throw new ConfigurationError(
        `the service catalog's ${this.auth.interface} ${type} endpoint '${url}' is not a URL`,
      );
    }
    if (
      new URL(this.auth.authUrl).protocol !== 'https:' ||
      scheme === 'https:' ||
      this.#warnedInsecure.has(url)
    ) {
      return;
    }
    const what = `the service catalog's ${this.auth.interface} ${type} endpoint ${url} does not use https while auth-url ${this.auth.authUrl} does`;
    if (!this.auth.allowInsecureEndpoints) {
      throw new ConfigurationError(
        `${what}: the token would travel in clear. Fix the catalog or interface, or set allow-insecure-endpoints: true to accept it.`,
      );
    }
    this.#warnedInsecure.add(url);
    this.reporter.warning(`${what}; allow-insecure-endpoints is set, so the token is sent to it in clear.`);
  }

  /** A request to a service, with the token; a 401 leads to one new login and one more try. */
  async request<K extends ResponseKind>(
    serviceType: string,
    spec: SessionRequest<K>,
  ): Promise<
    HttpResponse<
      K extends 'json' ? unknown : K extends 'stream' ? import('node:http').IncomingMessage : undefined
    >
  > {
    const base =
      serviceType === 'identity' ? this.auth.authUrl.replace(/\/+$/, '') : this.endpoint(serviceType);
    const url = `${base}${spec.path}`;
    for (let renewed = false; ; renewed = true) {
      const state = await this.#currentToken();
      try {
        return await this.http.request<K>({
          ...spec,
          service: serviceType,
          url,
          headers: { ...spec.headers, 'X-Auth-Token': state.token.reveal() },
        });
      } catch (error) {
        if (renewed || !(error instanceof OpenStackHttpError) || error.status !== 401) {
          throw error;
        }
        this.reporter.info(
          `${spec.method} ${new URL(url).pathname}: the token was refused (401); logging in again`,
        );
        this.#invalidate(state);
      }
    }
  }

  /** The current token, for the rare caller that must hand it to another tool. */
  async token(): Promise<Secret> {
    return (await this.#currentToken()).token;
  }

  #find(type: string): string | undefined {
    return selectEndpoint(this.#required().catalog, type, this.auth.interface, this.auth.regionName);
  }

  #required(): TokenState {
    if (!this.#state) {
      throw new Error('the OpenStack session has not logged in');
    }
    return this.#state;
  }

  #invalidate(state: TokenState): void {
    if (this.#state === state) {
      this.#state = undefined;
    }
  }

  async #currentToken(): Promise<TokenState> {
    const state = this.#state;
    if (state && state.expiresAt - Date.now() > this.#renewMarginMs) {
      return state;
    }
    // Concurrent requests share one login.
    this.#login ??= this.#logIn().finally(() => {
      this.#login = undefined;
    });
    const fresh = await this.#login;
    this.#state = fresh;
    return fresh;
  }

  async #logIn(): Promise<TokenState> {
    const url = `${this.auth.authUrl.replace(/\/+$/, '')}/auth/tokens`;
    let response: HttpResponse<unknown>;
    try {
      response = await this.http.request({
        method: 'POST',
        url,
        service: 'identity',
        json: authRequestBody(this.auth.plan),
        response: 'json',
        // Issuing a token changes nothing on the cloud, so a retry after any failure is harmless.
        idempotent: true,
      });
    } catch (error) {
      if (error instanceof OpenStackHttpError && error.status === 401) {
        throw new ConfigurationError(
          `Keystone at ${this.auth.authUrl} refused the ${describeMethod(this.auth)} (HTTP 401): ${error.serviceMessage}`,
        );
      }
      throw error;
    }
    const value = header(response.headers, 'x-subject-token');
    const token = (response.body as { token?: KeystoneToken } | undefined)?.token;
    if (!value || !token) {
      throw new OpenStackHttpError(
        'POST',
        new URL(url).pathname,
        response.status,
        'no X-Subject-Token header or token in the answer',
      );
    }
    this.reporter.mask(value);
    const expiresAt = token.expires_at ? Date.parse(token.expires_at) : Number.POSITIVE_INFINITY;
    return {
      token: new Secret(value),
      expiresAt: Number.isNaN(expiresAt) ? Number.POSITIVE_INFINITY : expiresAt,
      catalog: token.catalog ?? [],
      userId: token.user?.id ?? '',
      projectId: token.project?.id ?? token.application_credential?.project_id,
    };
  }
}

interface KeystoneToken {
  expires_at?: string;
  catalog?: CatalogEntry[];
  user?: { id: string };
  project?: { id: string };
  application_credential?: { project_id?: string };
}

function describeMethod(auth: ResolvedAuth): string {
  switch (auth.plan.method) {
    case 'password':
      return 'user name and password';
    case 'applicationCredential':
      return 'application credential';
    case 'token':
      return 'token';
  }
}
