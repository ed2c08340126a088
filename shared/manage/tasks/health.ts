import { request } from 'node:https';
import { isIP } from 'node:net';
import { CommandError, errorMessage } from '../../errors.js';
import { parseBaseUrl } from '../base-url.js';
import { readStringSetting } from '../edit/indico-conf.js';
import type { TaskContext, TaskOutcome } from '../task.js';
import { indicoConfPath } from './indico-conf-files.js';

export interface Probe {
  readonly status: number;
  /** SHA-256 fingerprint of the certificate the server sent. */
  readonly certificate: string;
}

/** GET path over TLS to 127.0.0.1:port, as a browser asking for host would (SNI and Host header). */
export function probeHttps(
  port: number,
  host: string,
  hostHeader: string,
  path: string,
  timeoutMs = 30_000,
): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'GET',
        headers: { Host: hostHeader },
        ...(isIP(host) ? {} : { servername: host }),
        // The probe asks whether the server answers; the certificate is reported, not judged.
        rejectUnauthorized: false,
        timeout: timeoutMs,
      },
      (res) => {
        const certificate =
          (res.socket as import('node:tls').TLSSocket).getPeerCertificate?.()?.fingerprint256 ?? '';
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, certificate }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', reject);
    req.end();
  });
}

export async function health(ctx: TaskContext): Promise<TaskOutcome> {
  const conf = (await ctx.session.readFile(indicoConfPath(ctx), { sudo: true }))?.toString('utf8') ?? '';
  const baseUrl = readStringSetting(conf, 'BASE_URL');
  if (baseUrl === undefined) {
    throw new CommandError('health', null, '', `no BASE_URL in ${indicoConfPath(ctx)}`);
  }
  const url = parseBaseUrl(baseUrl);
  const hostHeader = `${url.host.includes(':') ? `[${url.host}]` : url.host}${url.port === 443 ? '' : `:${url.port}`}`;
  const forward = await ctx.session.forwardLocal('127.0.0.1', url.port);
  let probe: Probe;
  try {
    probe = await probeHttps(forward.port, url.host, hostHeader, url.path);
  } catch (error) {
    throw new CommandError(
      `GET ${baseUrl}`,
      null,
      '',
      `no HTTPS answer on the VM's port ${url.port}: ${errorMessage(error)}`,
    );
  } finally {
    await forward.close();
  }
  const ok = probe.status >= 200 && probe.status < 400;
  if (!ok) {
    ctx.reporter.warning(`${baseUrl} answered ${probe.status}.`);
  }
  return {
    changed: [],
    note: `${baseUrl} → HTTP ${probe.status}`,
    health: { url: baseUrl, status: probe.status, ok, certificate: probe.certificate },
  };
}
