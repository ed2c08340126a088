/** BASE_URL as the recipe derives it: always https, the port only when it is not 443. */
export function baseUrlFor(serverName: string, httpsPort: number): string {
  const host = serverName.replace(/\.$/, '').replace(/^\[(.*)\]$/, '$1');
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return `https://${urlHost}${httpsPort === 443 ? '' : `:${httpsPort}`}`;
}

/** The host name without brackets or a trailing dot, as server_name / ServerName take it. */
export function bareHost(serverName: string): string {
  return serverName.replace(/\.$/, '').replace(/^\[(.*)\]$/, '$1');
}

export interface ParsedBaseUrl {
  readonly host: string;
  readonly port: number;
  readonly path: string;
}

export function parseBaseUrl(baseUrl: string): ParsedBaseUrl {
  const url = new URL(baseUrl);
  const port = url.port === '' ? (url.protocol === 'http:' ? 80 : 443) : Number(url.port);
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port, path: url.pathname || '/' };
}
