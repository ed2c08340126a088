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
