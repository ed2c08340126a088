import type { VhostEdits } from './vhost-edits.js';

/**
 * Edits of the recipe's Apache vhost: the `Listen` lines it adds for non-default ports, the two
 * <VirtualHost *:port> blocks (the one with `SSLEngine on` is the HTTPS one), ServerName, the
 * redirects to BASE_URL, the Host check and the TLS files.
 */

const directive = (name: string): RegExp => new RegExp(`^(\\s*${name}\\s+)(\\S+)(.*)$`, 'i');
const SSL_CERT = directive('SSLCertificateFile');
const SSL_KEY = directive('SSLCertificateKeyFile');
const SERVER_NAME = directive('ServerName');

/** Which <VirtualHost> each line is in (-1 outside), and whether that block turns TLS on. */
function blocks(lines: readonly string[]): { index: number[]; tls: boolean[] } {
  const index: number[] = [];
  const tls: boolean[] = [];
  let current = -1;
  for (const line of lines) {
    if (/^\s*<VirtualHost\s/i.test(line)) {
      current = tls.length;
      tls.push(false);
    }
    index.push(current);
    if (current >= 0 && /^\s*SSLEngine\s+on\b/i.test(line)) tls[current] = true;
    if (/^\s*<\/VirtualHost>/i.test(line)) current = -1;
  }
  return { index, tls };
}

export function editApacheVhost(text: string, edits: VhostEdits): string {
  const lines = text.split('\n');
  const { index, tls } = blocks(lines);
  const out: string[] = [];
  let httpPort = edits.httpPort;
  let httpsPort = edits.httpsPort;
  // Ports not being edited keep their value; they decide the Listen lines below.
  lines.forEach((line, i) => {
    const m = /^\s*<VirtualHost\s+\*:(\d+)>/i.exec(line);
    if (m) {
      if (tls[index[i]!]) httpsPort ??= Number(m[1]);
      else httpPort ??= Number(m[1]);
    }
  });
  const changingPorts = edits.httpPort !== undefined || edits.httpsPort !== undefined;
  let afterListen = false;
  lines.forEach((line, i) => {
    const outside = index[i] === -1;
    if (changingPorts && outside && /^\s*Listen\s+\d+/i.test(line)) {
      afterListen = true;
      return; // written again in front of the first <VirtualHost> below
    }
    if (afterListen && line.trim() === '') return;
    afterListen = false;
    if (/^\s*#/.test(line)) {
      out.push(line);
      return;
    }
    const inTls = index[i]! >= 0 && tls[index[i]!];
    let m: RegExpExecArray | null;
    if ((m = /^(\s*<VirtualHost\s+\*:)(\d+)(>.*)$/i.exec(line))) {
      if (changingPorts && index[i] === 0) {
        const listen: string[] = [];
        if (httpPort !== undefined && httpPort !== 80) listen.push(`Listen ${httpPort}`);
        if (httpsPort !== undefined && httpsPort !== 443) listen.push(`Listen ${httpsPort} https`);
        if (listen.length > 0) out.push(...listen, '');
      }
      const port = inTls ? httpsPort : httpPort;
      out.push(`${m[1]}${port ?? m[2]}${m[3]}`);
      return;
    }
    if (edits.serverName !== undefined && (m = SERVER_NAME.exec(line))) {
      out.push(`${m[1]}${edits.serverName}${m[3]}`);
      return;
    }
    if (
      edits.baseUrl !== undefined &&
      (m = /^(\s*RewriteRule\s+\S+\s+)https?:\/\/[^\s$]+(\$1\s.*)$/i.exec(line))
    ) {
      out.push(`${m[1]}${edits.baseUrl}${m[2]}`);
      return;
    }
    if (
      edits.baseUrl !== undefined &&
      (m = /^(\s*Redirect\s+30[12]\s+\/\s+)https?:\/\/\S+?\/?(\s*)$/i.exec(line))
    ) {
      out.push(`${m[1]}${edits.baseUrl}/${m[2]}`);
      return;
    }
    if (
      edits.serverName !== undefined &&
      httpsPort !== undefined &&
      (m = /^(\s*)<If "%\{HTTP_HOST\} != '[^']*' && %\{HTTP_HOST\} != '[^']*'">(.*)$/.exec(line))
    ) {
      out.push(
        `${m[1]}<If "%{HTTP_HOST} != '${edits.serverName}' && %{HTTP_HOST} != '${edits.serverName}:${httpsPort}'">${m[2]}`,
      );
      return;
    }
    if (edits.certPath !== undefined && (m = SSL_CERT.exec(line))) {
      out.push(`${m[1]}${edits.certPath}${m[3]}`);
      return;
    }
    if (edits.keyPath !== undefined && (m = SSL_KEY.exec(line))) {
      out.push(`${m[1]}${edits.keyPath}${m[3]}`);
      return;
    }
    out.push(line);
  });
  return out.join('\n');
}

export function apacheTlsPaths(text: string): { cert?: string; key?: string } {
  const find = (re: RegExp): string | undefined => {
    for (const line of text.split('\n')) {
      const m = re.exec(line);
      if (m && !/^\s*#/.test(line)) return m[2];
    }
    return undefined;
  };
  const cert = find(SSL_CERT);
  const key = find(SSL_KEY);
  return { ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}

/** The port of the <VirtualHost> that turns TLS on. */
export function apacheTlsPort(text: string): number | undefined {
  const lines = text.split('\n');
  const { index, tls } = blocks(lines);
  for (const [i, line] of lines.entries()) {
    const m = /^\s*<VirtualHost\s+\*:(\d+)>/i.exec(line);
    if (m && tls[index[i]!]) return Number(m[1]);
  }
  return undefined;
}
