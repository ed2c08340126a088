import { isIPv6 } from 'node:net';

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
/** A DNS name, optionally rooted with a trailing dot. */
export const DNS_NAME = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*\\.?$`);
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$/;

/**
 * A DNS name, an IPv4 address, or an IPv6 address without brackets and without a zone: the forms
 * that mean the same in a config file, a certificate and a URL once brackets are added where a URL
 * needs them. A port, a bracket or a zone ("%eth0") would end up inside server_name or BASE_URL.
 */
export function isHostname(value: string): boolean {
  return DNS_NAME.test(value) || IPV4.test(value) || (isIPv6(value) && !value.includes('%'));
}

/** The host without the DNS root's trailing dot, as certificates and mail domains take it. */
export function bareHost(host: string): string {
  return host.replace(/\.$/, '');
}

/** The host as URLs and the Host header carry it (and nginx's $host, Apache's HTTP_HOST): IPv6 in brackets. */
export function urlHost(host: string): string {
  const bare = bareHost(host);
  return isIPv6(bare) ? `[${bare}]` : bare;
}

/** BASE_URL as the recipe derives it: always https, the port only when it is not 443. */
export function baseUrlFor(host: string, httpsPort: number): string {
  return `https://${urlHost(host)}${httpsPort === 443 ? '' : `:${httpsPort}`}`;
}
