import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError } from '../../../shared/errors.js';
import { checkTls, splitPemCertificates } from '../../../shared/manage/tls-check.js';
import { tempDir } from '../recipe/helpers.js';

/** A root CA, an intermediate and a leaf, made by openssl as an admin would. */
function makePki(): Record<'root' | 'rootKey' | 'inter' | 'leaf' | 'leafKey' | 'otherKey', string> {
  const dir = tempDir('manage-pki');
  const ssl = (...args: string[]): void => {
    const result = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${result.stderr}`);
  };
  const ext = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return name;
  };
  const key = (name: string): void =>
    ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', name);
  key('root.key');
  key('inter.key');
  key('leaf.key');
  key('other.key');
  ssl(
    'req',
    '-x509',
    '-new',
    '-key',
    'root.key',
    '-subj',
    '/CN=Test Root',
    '-days',
    '30',
    '-out',
    'root.crt',
  );
  ssl('req', '-new', '-key', 'inter.key', '-subj', '/CN=Test Intermediate', '-out', 'inter.csr');
  ssl(
    'x509',
    '-req',
    '-in',
    'inter.csr',
    '-CA',
    'root.crt',
    '-CAkey',
    'root.key',
    '-CAcreateserial',
    '-days',
    '30',
    '-extfile',
    ext('ca.ext', 'basicConstraints=critical,CA:true\nkeyUsage=keyCertSign,cRLSign\n'),
    '-out',
    'inter.crt',
  );
  ssl('req', '-new', '-key', 'leaf.key', '-subj', '/CN=indico.example.org', '-out', 'leaf.csr');
  ssl(
    'x509',
    '-req',
    '-in',
    'leaf.csr',
    '-CA',
    'inter.crt',
    '-CAkey',
    'inter.key',
    '-CAcreateserial',
    '-days',
    '30',
    '-extfile',
    ext('leaf.ext', 'subjectAltName=DNS:indico.example.org\n'),
    '-out',
    'leaf.crt',
  );
  const read = (name: string): string => readFileSync(join(dir, name), 'utf8');
  return {
    root: read('root.crt'),
    rootKey: read('root.key'),
    inter: read('inter.crt'),
    leaf: read('leaf.crt'),
    leafKey: read('leaf.key'),
    otherKey: read('other.key'),
  };
}

describe('certificate, key and chain checks', () => {
  const pki = makePki();

  test('a leaf with its key and a chain up to the root is accepted and served leaf first', () => {
    const tls = checkTls(pki.leaf, pki.leafKey, pki.inter + pki.root);
    expect(tls.endsAtRoot).toBe(true);
    expect(tls.subject).toBe('CN=indico.example.org');
    expect(splitPemCertificates(tls.fullChainPem)).toEqual(
      [pki.leaf, pki.inter, pki.root].map((p) => p.trim() + '\n'),
    );
  });

  test('the same chain given as a fullchain ssl-cert is accepted', () => {
    const tls = checkTls(pki.leaf + pki.inter + pki.root, pki.leafKey, undefined);
    expect(tls.endsAtRoot).toBe(true);
    expect(tls.issuer).toBe('CN=Test Root');
  });

  test('a self-signed certificate is its own root', () => {
    const tls = checkTls(pki.root, pki.rootKey, undefined);
    expect(tls.endsAtRoot).toBe(true);
  });

  test('a leaf of a private CA without its intermediate is refused, naming the missing issuer', () => {
    expect(() => checkTls(pki.leaf, pki.leafKey, undefined)).toThrow(
      /chain is incomplete: ssl-cert \(CN=indico\.example\.org\) is issued by CN=Test Intermediate, which is neither given nor a publicly trusted root\. Add the certificate of CN=Test Intermediate to ssl-chain/,
    );
  });

  test('a private chain without its root is refused and says to add the root', () => {
    for (const [cert, chain] of [
      [pki.leaf, pki.inter],
      [pki.leaf + pki.inter, undefined],
    ] as const) {
      expect(() => checkTls(cert, pki.leafKey, chain)).toThrow(
        /the last certificate of ssl-chain \(CN=Test Intermediate\) is issued by CN=Test Root.*Add the certificate of CN=Test Root to ssl-chain.*for a private CA its root certificate last/,
      );
    }
  });

  test('a key of another certificate is refused without quoting the key', () => {
    let error: unknown;
    try {
      checkTls(pki.leaf, pki.otherKey, pki.inter);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/does not belong/);
    expect((error as Error).message).not.toContain('PRIVATE KEY');
  });

  test('a chain in the wrong order or with a gap is refused', () => {
    expect(() => checkTls(pki.leaf, pki.leafKey, pki.root + pki.inter)).toThrow(/chain is broken/);
    expect(() => checkTls(pki.leaf, pki.leafKey, pki.root)).toThrow(/not issued by the next one/);
  });

  test('garbage is refused with the option named', () => {
    expect(() => checkTls('nope', pki.leafKey, undefined)).toThrow(/ssl-cert/);
    expect(() => checkTls(pki.leaf, 'nope', undefined)).toThrow(/ssl-key is not a readable/);
    expect(() => checkTls(pki.leaf, pki.leafKey, 'nope')).toThrow(/ssl-chain/);
  });
});
