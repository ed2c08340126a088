import type { VhostEdits } from './vhost-edits.js';

/**
 * Edits of the recipe's nginx vhost (/etc/nginx/conf.d/indico.conf), line by line: the directives
 * that carry the server name, the ports, BASE_URL and the TLS files are rewritten in place and
 * everything else is left alone. Values are host names, ports and config-safe paths (checked by the
 * option kinds), so none needs quoting in nginx syntax.
 */

const LISTEN = /^(\s*listen\s+)((?:\[[0-9A-Fa-f:.]*\]|[0-9.]+|\*)(?::))?(\d+)((?:\s+[^;\s]+)*\s*;.*)$/;
const SERVER_NAME = /^(\s*server_name\s+)[^;]*(;.*)$/;
const REDIRECT = /^(\s*return\s+30[12]\s+)https?:\/\/[^\s;$]+(\$request_uri\s*;.*)$/;
const directive = (name: string): RegExp => new RegExp(`^(\\s*${name}\\s+)[^;\\s]+(\\s*;.*)$`);
const SSL_CERT = directive('ssl_certificate');
const SSL_KEY = directive('ssl_certificate_key');

export function editNginxVhost(text: string, edits: VhostEdits): string {
  return text
    .split('\n')
    .map((line) => {
      if (/^\s*#/.test(line)) return line;
      let m: RegExpExecArray | null;
      if ((m = LISTEN.exec(line))) {
        const isTls = /\sssl\b/.test(m[4]!);
        const port = isTls ? edits.httpsPort : edits.httpPort;
        return port === undefined ? line : `${m[1]}${m[2] ?? ''}${port}${m[4]}`;
      }
      if (edits.serverName !== undefined && (m = SERVER_NAME.exec(line))) {
        return `${m[1]}${edits.serverName}${m[2]}`;
      }
      if (edits.baseUrl !== undefined && (m = REDIRECT.exec(line))) {
        return `${m[1]}${edits.baseUrl}${m[2]}`;
      }
      if (edits.certPath !== undefined && (m = SSL_CERT.exec(line))) {
        return `${m[1]}${edits.certPath}${m[2]}`;
      }
      if (edits.keyPath !== undefined && (m = SSL_KEY.exec(line))) {
        return `${m[1]}${edits.keyPath}${m[2]}`;
      }
      return line;
    })
    .join('\n');
}

/** The TLS files the vhost names, so load-ssl replaces the ones nginx actually serves. */
export function nginxTlsPaths(text: string): { cert?: string; key?: string } {
  const find = (re: RegExp): string | undefined => {
    for (const line of text.split('\n')) {
      const m = re.exec(line);
      if (m && !/^\s*#/.test(line)) return line.slice(m[1]!.length).replace(/\s*;.*$/, '');
    }
    return undefined;
  };
  const cert = find(SSL_CERT);
  const key = find(SSL_KEY);
  return { ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}

/** The port of the first `listen … ssl` directive. */
export function nginxTlsPort(text: string): number | undefined {
  for (const line of text.split('\n')) {
    const m = LISTEN.exec(line);
    if (m && !/^\s*#/.test(line) && /\sssl\b/.test(m[4]!)) return Number(m[3]);
  }
  return undefined;
}
