/** Real certificates for tests, made by openssl (Debian's package): self-signed, EC P-256, short-lived. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SelfSignedPair {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: string;
  readonly key: string;
}

/** Writes `<name>.crt` and `<name>.key` into dir; subjectAltName like 'IP:127.0.0.1' or 'DNS:a.example'. */
export function selfSignedPair(
  dir: string,
  commonName: string,
  options: { name?: string; subjectAltName?: string } = {},
): SelfSignedPair {
  const name = options.name ?? 'tls';
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.crt`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
      '-subj',
      `/CN=${commonName}`,
      ...(options.subjectAltName ? ['-addext', `subjectAltName=${options.subjectAltName}`] : []),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return { certFile, keyFile, cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}
