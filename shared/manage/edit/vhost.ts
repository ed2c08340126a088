import { apacheTlsPaths, apacheTlsPort, editApacheVhost } from './apache.js';
import { editNginxVhost, nginxTlsPaths, nginxTlsPort } from './nginx.js';
import type { VhostEdits } from './vhost-edits.js';

/**
 * The recipe's vhost as the tasks see it, whichever web server the host runs: what update-server and
 * load-ssl change in it, and the TLS files and port it names.
 */

export type WebServer = 'nginx' | 'apache';

/** The vhost with the edits made (an absent file reads as empty). */
export function editVhost(webServer: WebServer, current: string | undefined, edits: VhostEdits): string {
  return webServer === 'nginx' ? editNginxVhost(current ?? '', edits) : editApacheVhost(current ?? '', edits);
}

/** The certificate and key files the HTTPS vhost names. */
export function vhostTlsPaths(webServer: WebServer, text: string): { cert?: string; key?: string } {
  return webServer === 'nginx' ? nginxTlsPaths(text) : apacheTlsPaths(text);
}

/** The port the HTTPS vhost listens on. */
export function vhostTlsPort(webServer: WebServer, text: string): number | undefined {
  return webServer === 'nginx' ? nginxTlsPort(text) : apacheTlsPort(text);
}
