// A small stand-in for Keystone and Glance on 127.0.0.1, for the faults the real loopback cloud
// cannot produce on demand: a 503 with Retry-After, a connection cut in the middle of an upload, a
// token that stops being valid mid-run, a cloud that refuses direct uploads. Paths, headers, status
// codes and JSON shapes follow the real services (Zed); the behaviour is only as deep as the tests
// need; Nova answers only its version document and the console log, for a console a hostile guest
// wrote. Neutron is real in the loopback cloud (test/infra/openstack), so it has no stand-in here.
import { createHash, randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface FakeImage {
  id: string;
  name: string;
  status: string;
  created_at: string;
  size: number | null;
  checksum: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  [key: string]: unknown;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  /** Bytes of the body the server read before answering or cutting the connection. */
  bodyBytes: number;
}

interface InjectedFault {
  readonly method: string;
  readonly path: RegExp;
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
}

export const FAKE_USER = { name: 'admin', password: 'secret', domain: 'Default', project: 'admin' };
export class FakeOpenStack {
  readonly requests: RecordedRequest[] = [];
  readonly images = new Map<string, FakeImage>();
  tokensIssued = 0;
  /** Lifetime of new tokens; the client renews ahead of expires_at. */
  tokenLifetimeMs = 3600_000;
  /** When set, the next upload (file or stage) is cut after this many bytes, once. */
  cutNextUploadAfter: number | undefined;
  /** PUT /file answers 403, as on clouds that only allow interoperable import. */
  refuseDirectUpload = false;
  /** What os-getConsoleOutput returns for every server. */
  consoleOutput = '';
  /** Catalog URLs to publish instead of this fake's own, per service type (the fake still serves them). */
  readonly catalogUrls: Partial<Record<'image' | 'compute', string>> = {};
  readonly #faults: InjectedFault[] = [];
  readonly #validTokens = new Set<string>();
  readonly #server: Server;
  #base = '';

  private constructor(tls: { cert: string; key: string } | undefined) {
    const listener: RequestListener = (request, response) => {
      this.#handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) {
          send(response, 500, {
            error: { code: 500, message: String(error), title: 'Internal Server Error' },
          });
        }
      });
    };
    this.#server = tls ? createTlsServer(tls, listener) : createServer(listener);
  }

  /** With tls (a certificate for 127.0.0.1), the fake speaks https and its catalog says so. */
  static async start(options: { tls?: { cert: string; key: string } } = {}): Promise<FakeOpenStack> {
    const fake = new FakeOpenStack(options.tls);
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    const scheme = options.tls ? 'https' : 'http';
    fake.#base = `${scheme}://127.0.0.1:${(fake.#server.address() as AddressInfo).port}`;
    return fake;
  }

  get authUrl(): string {
    return `${this.#base}/identity/v3`;
  }

  /** The next request matching method and path gets this status instead (once per call). */
  failNext(
    method: string,
    path: RegExp,
    status: number,
    headers?: Record<string, string>,
    body?: unknown,
  ): void {
    this.#faults.push({ method, path, status, headers, body });
  }

  /** Every token issued so far stops working, as when Keystone revokes or expires them. */
  expireTokens(): void {
    this.#validTokens.clear();
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #catalog(): unknown[] {
    const entry = (type: string, name: string, url: string) => ({
      type,
      name,
      id: randomUUID(),
      endpoints: ['public', 'internal', 'admin'].map((iface) => ({
        id: randomUUID(),
        interface: iface,
        region: 'RegionOne',
        region_id: 'RegionOne',
        url,
      })),
    });
    return [
      entry('identity', 'keystone', `${this.#base}/identity/v3/`),
      entry('image', 'glance', this.catalogUrls.image ?? `${this.#base}/image`),
      entry('compute', 'nova', this.catalogUrls.compute ?? `${this.#base}/compute/v2.1`),
    ];
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.#base);
    const method = request.method ?? 'GET';
    const record: RecordedRequest = {
      method,
      path: url.pathname + url.search,
      headers: request.headers,
      bodyBytes: 0,
    };
    this.requests.push(record);

    const faultIndex = this.#faults.findIndex(
      (fault) => fault.method === method && fault.path.test(url.pathname),
    );
    if (faultIndex >= 0) {
      const [fault] = this.#faults.splice(faultIndex, 1);
      request.resume();
      if (fault) {
        send(response, fault.status, fault.body ?? errorBody(fault.status, 'injected fault'), fault.headers);
      }
      return;
    }

    if (method === 'POST' && url.pathname === '/identity/v3/auth/tokens') {
      return this.#issueToken(await readJson(request, record), response);
    }
    const token = request.headers['x-auth-token'];
    if (typeof token !== 'string' || !this.#validTokens.has(token)) {
      request.resume();
      // keystonemiddleware's answer, the same for every service.
      return send(response, 401, {
        error: {
          code: 401,
          title: 'Unauthorized',
          message: 'The request you have made requires authentication.',
        },
      });
    }
    if (url.pathname.startsWith('/image/')) {
      return this.#glance(method, url, request, response, record);
    }
    if (url.pathname.startsWith('/compute/v2.1')) {
      return this.#nova(method, url.pathname.slice('/compute/v2.1'.length), request, response, record);
    }
    request.resume();
    send(response, 404, errorBody(404, 'The resource could not be found.'));
  }

  #issueToken(body: unknown, response: ServerResponse): void {
    const auth = (
      body as { auth?: { identity?: { methods?: string[]; password?: { user?: Record<string, unknown> } } } }
    )?.auth;
    const user = auth?.identity?.password?.user;
    const domain = (user?.domain as { name?: string; id?: string } | undefined) ?? {};
    const knownDomain = domain.name === FAKE_USER.domain || domain.id === 'default';
    if (
      !auth?.identity?.methods?.includes('password') ||
      user?.name !== FAKE_USER.name ||
      user?.password !== FAKE_USER.password ||
      !knownDomain
    ) {
      return send(response, 401, {
        error: {
          code: 401,
          title: 'Unauthorized',
          message: 'The request you have made requires authentication.',
        },
      });
    }
    const token = `gAAAAA${randomUUID().replace(/-/g, '')}`;
    this.#validTokens.add(token);
    this.tokensIssued += 1;
    const now = Date.now();
    send(
      response,
      201,
      {
        token: {
          methods: ['password'],
          user: { id: 'u-admin', name: FAKE_USER.name, domain: { id: 'default', name: 'Default' } },
          project: { id: 'p-admin', name: FAKE_USER.project, domain: { id: 'default', name: 'Default' } },
          expires_at: new Date(now + this.tokenLifetimeMs).toISOString(),
          issued_at: new Date(now).toISOString(),
          roles: [{ id: 'r-admin', name: 'admin' }],
          catalog: this.#catalog(),
        },
      },
      { 'X-Subject-Token': token },
    );
  }

  async #nova(
    method: string,
    path: string,
    request: IncomingMessage,
    response: ServerResponse,
    record: RecordedRequest,
  ): Promise<void> {
    if (method === 'GET' && (path === '' || path === '/')) {
      request.resume();
      return send(response, 200, {
        version: { id: 'v2.1', status: 'CURRENT', version: '2.96', min_version: '2.1' },
      });
    }
    const action = /^\/servers\/([^/]+)\/action$/.exec(path);
    const body = method === 'POST' && action ? await readJson(request, record) : undefined;
    if (body && typeof body === 'object' && 'os-getConsoleOutput' in body) {
      return send(response, 200, { output: this.consoleOutput });
    }
    request.resume();
    send(response, 404, errorBody(404, 'The resource could not be found.'));
  }

  async #glance(
    method: string,
    url: URL,
    request: IncomingMessage,
    response: ServerResponse,
    record: RecordedRequest,
  ): Promise<void> {
    const path = url.pathname.slice('/image'.length);
    const imageMatch = /^\/v2\/images\/([^/]+)(?:\/(file|stage|import))?$/.exec(path);
    const importMethods = 'glance-direct,web-download,copy-image';
    if (method === 'GET' && path === '/v2/info/import') {
      return send(response, 200, {
        'import-methods': {
          description: 'Import methods available.',
          type: 'array',
          value: importMethods.split(','),
        },
      });
    }
    if (method === 'POST' && path === '/v2/images') {
      const body = (await readJson(request, record)) as Record<string, unknown>;
      const id = randomUUID();
      const image: FakeImage = {
        ...body,
        id,
        name: String(body.name),
        status: 'queued',
        created_at: new Date(Date.now() + this.images.size).toISOString(),
        size: null,
        checksum: null,
        os_hash_algo: null,
        os_hash_value: null,
        file: `/v2/images/${id}/file`,
      };
      this.images.set(id, image);
      return send(response, 201, image, {
        Location: `${this.#base}/image/v2/images/${id}`,
        'OpenStack-Image-Import-Methods': importMethods,
      });
    }
    if (method === 'GET' && path === '/v2/images') {
      const name = url.searchParams.get('name');
      const images = [...this.images.values()].filter((image) => name === null || image.name === name);
      return send(response, 200, { images, first: '/v2/images', schema: '/v2/schemas/images' });
    }
    const image = imageMatch ? this.images.get(imageMatch[1] ?? '') : undefined;
    if (!imageMatch || !image) {
      request.resume();
      return send(
        response,
        404,
        glanceError(404, 'Not Found', 'The resource could not be found.<br /><br />\n\n\n'),
      );
    }
    const target = imageMatch[2];
    if (method === 'GET' && target === undefined) {
      return send(response, 200, image);
    }
    if (method === 'DELETE' && target === undefined) {
      this.images.delete(image.id);
      return send(response, 204);
    }
    if (method === 'PUT' && (target === 'file' || target === 'stage')) {
      if (target === 'file' && this.refuseDirectUpload) {
        request.resume();
        return send(
          response,
          403,
          glanceError(
            403,
            'Forbidden',
            'You are not authorized to complete upload_image action.<br /><br />\n\n\n',
          ),
        );
      }
      if (image.status !== 'queued') {
        request.resume();
        return send(
          response,
          409,
          glanceError(
            409,
            'Conflict',
            `Image status transition from ${image.status} to saving is not allowed<br /><br />\n\n\n`,
          ),
        );
      }
      const digests = await this.#receive(request, record);
      if (digests === undefined) {
        return; // the connection was cut on purpose; the image stays queued, as Glance leaves it
      }
      if (target === 'stage') {
        image.status = 'uploading';
        image.staged = digests;
      } else {
        Object.assign(image, digests, { status: 'active' });
      }
      return send(response, 204);
    }
    if (method === 'POST' && target === 'import') {
      await readJson(request, record);
      if (image.status !== 'uploading' || !image.staged) {
        return send(
          response,
          409,
          glanceError(409, 'Conflict', 'Image needs to be staged before an import can happen'),
        );
      }
      Object.assign(image, image.staged, { status: 'active' });
      delete image.staged;
      return send(response, 202);
    }
    request.resume();
    send(
      response,
      405,
      glanceError(405, 'Method Not Allowed', 'The method is not allowed for this resource.'),
    );
  }

  /** Reads and hashes an upload; undefined when the fault cut it short. */
  async #receive(request: IncomingMessage, record: RecordedRequest): Promise<Partial<FakeImage> | undefined> {
    const md5 = createHash('md5');
    const sha512 = createHash('sha512');
    const cut = this.cutNextUploadAfter;
    for await (const chunk of request as AsyncIterable<Buffer>) {
      record.bodyBytes += chunk.length;
      if (cut !== undefined && record.bodyBytes >= cut) {
        this.cutNextUploadAfter = undefined;
        request.socket.destroy();
        return undefined;
      }
      md5.update(chunk);
      sha512.update(chunk);
    }
    return {
      size: record.bodyBytes,
      checksum: md5.digest('hex'),
      os_hash_algo: 'sha512',
      os_hash_value: sha512.digest('hex'),
    };
  }
}

async function readJson(request: IncomingMessage, record: RecordedRequest): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    record.bodyBytes += chunk.length;
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

function send(
  response: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  response.writeHead(status, {
    ...headers,
    ...(text ? { 'Content-Type': 'application/json' } : {}),
    'Content-Length': String(Buffer.byteLength(text)),
  });
  response.end(text);
}

function errorBody(status: number, message: string): unknown {
  return { error: { code: status, message, title: 'Error' } };
}

/** Glance's JSON error form (what it sends for Accept: application/json). */
function glanceError(status: number, title: string, message: string): unknown {
  return { message, code: `${status} ${title}`, title };
}
