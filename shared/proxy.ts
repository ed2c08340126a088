/**
 * Which HTTP proxy a request takes, read from the environment as curl and the openstack CLI
 * (Python requests) read it: https_proxy/HTTPS_PROXY for https URLs, http_proxy/HTTP_PROXY for http
 * URLs (the lower-case name first), and no_proxy/NO_PROXY for the hosts that go direct. Loopback is
 * not exempted by itself: a proxy for it is what the user set, and NO_PROXY=localhost,127.0.0.1 says
 * otherwise.
 */
import { isIP } from 'node:net';
import { ConfigurationError } from './errors.js';
import { Secret } from './secret.js';

type Env = Readonly<Record<string, string | undefined>>;

function variable(env: Env, name: string): { name: string; value: string } | undefined {
  for (const candidate of [name.toLowerCase(), name.toUpperCase()]) {
    const value = env[candidate]?.trim();
    if (value) {
      return { name: candidate, value };
    }
  }
  return undefined;
}

/** The proxy for this URL, or undefined when it goes direct. */
export function proxyFor(url: URL, env: Env = process.env): URL | undefined {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return undefined;
  }
  const setting = variable(env, url.protocol === 'https:' ? 'https_proxy' : 'http_proxy');
  if (!setting || bypassed(url, variable(env, 'no_proxy')?.value ?? '')) {
    return undefined;
  }
  let proxy: URL;
  try {
    proxy = new URL(
      /^[a-z][a-z0-9+.-]*:\/\//i.test(setting.value) ? setting.value : `http://${setting.value}`,
    );
  } catch {
    throw new ConfigurationError(`${setting.name} is not a proxy URL (http://host:port).`);
  }
  if (proxy.protocol !== 'http:' && proxy.protocol !== 'https:') {
    throw new ConfigurationError(
      `${setting.name} uses ${proxy.protocol.slice(0, -1)}, but only http:// and https:// proxies are supported.`,
    );
  }
  if (proxy.password) {
    // Proxy credentials are masked in every log like any other secret.
    void new Secret(decodeURIComponent(proxy.password));
  }
  return proxy;
}

/** The proxy's address for a log line: without the credentials it may carry. */
export function proxyLabel(proxy: URL): string {
  return `${proxy.protocol}//${proxy.host}`;
}

function bypassed(url: URL, noProxy: string): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') {
      continue;
    }
    if (entry === '*') {
      return true;
    }
    const [pattern, entryPort] = splitPort(entry);
    if (entryPort !== undefined && entryPort !== port) {
      continue;
    }
    if (matchesHost(host, pattern)) {
      return true;
    }
  }
  return false;
}

/** "host:port", "[v6]:port", "v6" (no port: an IPv6 address has several colons). */
function splitPort(entry: string): [string, string | undefined] {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) {
    return [bracketed[1]!, bracketed[2]];
  }
  const hostPort = /^([^:]+):(\d+)$/.exec(entry);
  return hostPort ? [hostPort[1]!, hostPort[2]] : [entry, undefined];
}

function matchesHost(host: string, pattern: string): boolean {
  if (pattern.includes('/')) {
    return inCidr(host, pattern);
  }
  const suffix = pattern.replace(/^\*?\./, '');
  return host === suffix || host.endsWith(`.${suffix}`);
}

/** IPv4 CIDR blocks, as requests accepts them in no_proxy. */
function inCidr(host: string, cidr: string): boolean {
  const [network, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  if (isIP(host) !== 4 || network === undefined || isIP(network) !== 4 || !(bits >= 0 && bits <= 32)) {
    return false;
  }
  const value = (address: string) => address.split('.').reduce((sum, part) => sum * 256 + Number(part), 0);
  const size = 2 ** (32 - bits);
  return Math.floor(value(host) / size) === Math.floor(value(network) / size);
}
