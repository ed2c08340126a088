import { createPrivateKey, X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { ConfigurationError } from '../errors.js';

/**
 * Checks a certificate, its key and its chain locally (node:crypto), before anything reaches the VM:
 * a key that does not match or a chain with a gap would only show up as a browser error later.
 */

export interface CheckedTls {
  /** Leaf first, then the chain: what the web server sends. */
  readonly fullChainPem: string;
  readonly keyPem: string;
  readonly subject: string;
  readonly notAfter: string;
  readonly fingerprint256: string;
  /**
   * Whether the last certificate is a self-signed root that was given; else its issuer is one of the
   * publicly trusted roots node knows (tls.rootCertificates), which clients have already.
   */
  readonly endsAtRoot: boolean;
  /** Issuer of the last certificate: the root the chain ends at. */
  readonly issuer: string;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export function splitPemCertificates(text: string): string[] {
  return (text.replace(/\r\n/g, '\n').match(PEM_CERT) ?? []).map((pem) => pem.trim() + '\n');
}

function parse(name: string, pem: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw new ConfigurationError(`${name} is not a readable PEM certificate.`);
  }
}

let publicRoots: X509Certificate[] | undefined;

/** Whether a publicly trusted root (the Mozilla store node ships) issued and signed this certificate. */
function issuedByPublicRoot(cert: X509Certificate): boolean {
  publicRoots ??= rootCertificates.map((pem) => new X509Certificate(pem));
  return publicRoots.some((root) => cert.checkIssued(root) && cert.verify(root.publicKey));
}

export function checkTls(
  certText: string,
  keyText: string,
  chainText: string | undefined,
  now = new Date(),
): CheckedTls {
  const certPems = splitPemCertificates(certText);
  if (certPems.length === 0) {
    throw new ConfigurationError('ssl-cert must be a PEM certificate (-----BEGIN CERTIFICATE-----).');
  }
  // A "fullchain" file given as ssl-cert brings its chain with it.
  const chainPems = [...certPems.slice(1), ...splitPemCertificates(chainText ?? '')];
  if (chainText !== undefined && chainText.trim() !== '' && splitPemCertificates(chainText).length === 0) {
    throw new ConfigurationError('ssl-chain must be PEM certificates (-----BEGIN CERTIFICATE-----).');
  }
  const leaf = parse('ssl-cert', certPems[0]!);
  const chain = chainPems.map((pem, i) => parse(`certificate ${i + 1} of ssl-chain`, pem));

  let key;
  try {
    key = createPrivateKey(keyText);
  } catch {
    // The parser's message is left out on purpose: it could quote the key.
    throw new ConfigurationError('ssl-key is not a readable, unencrypted PEM private key.');
  }
  if (!leaf.checkPrivateKey(key)) {
    throw new ConfigurationError(
      `ssl-key does not belong to the certificate in ssl-cert (${leaf.subject.replace(/\n/g, ', ')}).`,
    );
  }
  if (new Date(leaf.validTo) < now) {
    throw new ConfigurationError(`The certificate in ssl-cert expired on ${leaf.validTo}.`);
  }
  const all = [leaf, ...chain];
  for (let i = 0; i + 1 < all.length; i++) {
    if (!all[i]!.checkIssued(all[i + 1]!) || !all[i]!.verify(all[i + 1]!.publicKey)) {
      throw new ConfigurationError(
        `The chain is broken: certificate ${i === 0 ? 'ssl-cert' : `${i} of ssl-chain`} (${all[i]!.subject.replace(/\n/g, ', ')}) ` +
          `is not issued by the next one (${all[i + 1]!.subject.replace(/\n/g, ', ')}). Give ssl-chain in order, leaf's issuer first.`,
      );
    }
  }
  const last = all.at(-1)!;
  const endsAtRoot = last.checkIssued(last) && last.verify(last.publicKey);
  if (!endsAtRoot && !issuedByPublicRoot(last)) {
    const which = all.length === 1 ? 'ssl-cert' : `the last certificate of ssl-chain`;
    const issuer = last.issuer.replace(/\n/g, ', ');
    throw new ConfigurationError(
      `The chain is incomplete: ${which} (${last.subject.replace(/\n/g, ', ')}) is issued by ${issuer}, ` +
        'which is neither given nor a publicly trusted root. ' +
        `Add the certificate of ${issuer} to ssl-chain: the intermediate certificates your CA gave you, ` +
        "in order from the leaf's issuer up, and for a private CA its root certificate last.",
    );
  }
  return {
    // Served as given, like the recipe does: leaf first, then the chain.
    fullChainPem: [certPems[0]!, ...chainPems].join(''),
    endsAtRoot,
    issuer: last.issuer.replace(/\n/g, ', '),
    keyPem: keyText.replace(/\r\n/g, '\n').trim() + '\n',
    subject: leaf.subject.replace(/\n/g, ', '),
    notAfter: leaf.validTo,
    fingerprint256: leaf.fingerprint256,
  };
}
