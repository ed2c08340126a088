import { createHash, randomBytes, randomInt, type Hash } from 'node:crypto';
import { ConfigurationError } from '../errors.js';
import { Secret } from '../secret.js';

/**
 * SHA-512 crypt (`$6$`), the hash /etc/shadow and cloud-init's `passwd` take, written from Ulrich Drepper's
 * "Unix crypt using SHA-256 and SHA-512" specification so no host tool (openssl, mkpasswd) is needed.
 */

const ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const DEFAULT_ROUNDS = 5000;
const MIN_ROUNDS = 1000;
const MAX_ROUNDS = 999_999_999;
const MAX_SALT = 16;
const SALT = /^[./0-9A-Za-z]{1,16}$/;

/** The byte order in which the final digest is spread over the 86 output characters (spec step 22e). */
const ORDER: readonly (readonly [number, number, number])[] = [
  [0, 21, 42],
  [22, 43, 1],
  [44, 2, 23],
  [3, 24, 45],
  [25, 46, 4],
  [47, 5, 26],
  [6, 27, 48],
  [28, 49, 7],
  [50, 8, 29],
  [9, 30, 51],
  [31, 52, 10],
  [53, 11, 32],
  [12, 33, 54],
  [34, 55, 13],
  [56, 14, 35],
  [15, 36, 57],
  [37, 58, 16],
  [59, 17, 38],
  [18, 39, 60],
  [40, 61, 19],
  [62, 20, 41],
];

export interface Sha512CryptOptions {
  /** Up to 16 characters from `./0-9A-Za-z`; random when left out. */
  readonly salt?: string;
  /** 1000 to 999999999; the default 5000 is left out of the output, as glibc does. */
  readonly rounds?: number;
}

export function sha512Crypt(password: Secret | string, options: Sha512CryptOptions = {}): string {
  const salt = options.salt ?? randomSalt();
  if (!SALT.test(salt)) {
    throw new ConfigurationError(
      `Invalid SHA-512 crypt salt: use 1 to ${MAX_SALT} characters from ./0-9A-Za-z (got ${salt.length} characters).`,
    );
  }
  const rounds = options.rounds ?? DEFAULT_ROUNDS;
  if (!Number.isInteger(rounds) || rounds < MIN_ROUNDS || rounds > MAX_ROUNDS) {
    throw new ConfigurationError(
      `Invalid SHA-512 crypt rounds ${rounds}: use a whole number from ${MIN_ROUNDS} to ${MAX_ROUNDS}.`,
    );
  }
  const p = Buffer.from(typeof password === 'string' ? password : password.reveal(), 'utf8');
  const s = Buffer.from(salt, 'ascii');

  const b = sha512(p, s, p);
  const a = createHash('sha512').update(p).update(s);
  addRepeated(a, b, p.length);
  for (let length = p.length; length > 0; length >>= 1) {
    a.update(length & 1 ? b : p);
  }
  const digestA = a.digest();

  const dp = createHash('sha512');
  for (let i = 0; i < p.length; i += 1) dp.update(p);
  const pBytes = repeatTo(dp.digest(), p.length);

  const ds = createHash('sha512');
  for (let i = 0; i < 16 + digestA[0]!; i += 1) ds.update(s);
  const sBytes = repeatTo(ds.digest(), s.length);

  let c = digestA;
  for (let round = 0; round < rounds; round += 1) {
    const hash = createHash('sha512');
    hash.update(round & 1 ? pBytes : c);
    if (round % 3) hash.update(sBytes);
    if (round % 7) hash.update(pBytes);
    hash.update(round & 1 ? c : pBytes);
    c = hash.digest();
  }

  let encoded = '';
  for (const [x, y, z] of ORDER) {
    encoded += base64From24Bits(c[x]!, c[y]!, c[z]!, 4);
  }
  encoded += base64From24Bits(0, 0, c[63]!, 2);
  const roundsPart = options.rounds === undefined ? '' : `rounds=${rounds}$`;
  return `$6$${roundsPart}${salt}$${encoded}`;
}

/** A random password for a build user: 24 characters, about 143 bits, safe in any config file or shell. */
export function randomPassword(): Secret {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  let text = '';
  for (let i = 0; i < 24; i += 1) text += alphabet[randomInt(alphabet.length)];
  return new Secret(text);
}

function randomSalt(): string {
  return [...randomBytes(MAX_SALT)].map((byte) => ALPHABET[byte & 0x3f]).join('');
}

function sha512(...parts: Buffer[]): Buffer {
  const hash = createHash('sha512');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

function addRepeated(hash: Hash, block: Buffer, length: number): void {
  let left = length;
  for (; left > block.length; left -= block.length) hash.update(block);
  hash.update(block.subarray(0, left));
}

function repeatTo(block: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let offset = 0; offset < length; offset += block.length) block.copy(out, offset, 0, length - offset);
  return out;
}

function base64From24Bits(b2: number, b1: number, b0: number, count: number): string {
  let word = (b2 << 16) | (b1 << 8) | b0;
  let out = '';
  for (let i = 0; i < count; i += 1) {
    out += ALPHABET[word & 0x3f];
    word >>= 6;
  }
  return out;
}
