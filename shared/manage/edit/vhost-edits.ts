/** What update-server and load-ssl change in the recipe's vhost, the same for nginx and Apache. */
export interface VhostEdits {
  /** As the Host header carries it (IPv6 in brackets). */
  readonly serverName?: string;
  readonly httpPort?: number;
  readonly httpsPort?: number;
  /** Where the HTTP vhost redirects to, the request's path appended. */
  readonly baseUrl?: string;
  readonly certPath?: string;
  readonly keyPath?: string;
}
