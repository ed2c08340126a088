import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { ConfigurationError } from '../errors.js';
import { renderCloudConfig, type CloudConfig } from './cloud-config.js';

/**
 * MIME multipart user-data, as cloud-init's write-mime-multipart (and `cloud-init devel make-mime`) writes it:
 * how action-deploy hands a stock image both the recipe script and the files it needs in one user-data.
 */

/** Above this the MIME text is gzipped; cloud-init recognises the gzip magic and unpacks it. */
export const GZIP_THRESHOLD_BYTES = 16 * 1024;
/** Nova rejects a server whose base64-encoded user_data is longer than this. */
export const NOVA_USER_DATA_LIMIT = 65535;
/** RFC 5322: a line of a 7bit body may hold at most 998 characters. */
const MAX_7BIT_LINE = 998;

export interface MimePart {
  /** e.g. `text/x-shellscript`, `text/cloud-config`. */
  readonly contentType: string;
  readonly filename: string;
  readonly content: string;
}

export interface UserDataInput {
  /** The provisioning script, run once by cloud-init's scripts-user module; it must start with `#!`. */
  readonly script: string;
  /** Files and settings applied before the script runs (write_files runs in an earlier stage). */
  readonly cloudConfig?: CloudConfig;
  readonly scriptFilename?: string;
}

export interface RenderedUserData {
  readonly bytes: Buffer;
  readonly gzipped: boolean;
}

export function renderUserData(input: UserDataInput): RenderedUserData {
  if (!input.script.startsWith('#!')) {
    throw new ConfigurationError(
      'The provisioning script for user-data must start with an interpreter line such as #!/bin/bash.',
    );
  }
  const parts: MimePart[] = [];
  if (input.cloudConfig !== undefined) {
    parts.push({
      contentType: 'text/cloud-config',
      filename: 'cloud-config.yaml',
      content: renderCloudConfig(input.cloudConfig),
    });
  }
  parts.push({
    contentType: 'text/x-shellscript',
    filename: input.scriptFilename ?? 'indicovm-provision.sh',
    content: input.script,
  });

  const mime = Buffer.from(renderMultipart(parts), 'utf8');
  const gzipped = mime.length > GZIP_THRESHOLD_BYTES;
  const bytes = gzipped ? gzipSync(mime, { level: 9 }) : mime;
  checkNovaLimit(bytes, mime.length);
  return { bytes, gzipped };
}

/** Throws a ConfigurationError when Nova would refuse these bytes as user_data. */
export function checkNovaLimit(bytes: Buffer, uncompressedBytes = bytes.length): void {
  const encodedLength = 4 * Math.ceil(bytes.length / 3);
  if (encodedLength > NOVA_USER_DATA_LIMIT) {
    throw new ConfigurationError(
      `The user-data is too large for OpenStack Nova: ${bytes.length} bytes` +
        (uncompressedBytes !== bytes.length ? ` after gzip (${uncompressedBytes} before)` : '') +
        ` are ${encodedLength} base64 characters, and Nova accepts at most ${NOVA_USER_DATA_LIMIT}. ` +
        `Make the recipe's files smaller, or build an image with action-build-image instead.`,
    );
  }
}

/** A multipart/mixed document with one attachment per part; `newBoundary` is replaceable for tests. */
export function renderMultipart(
  parts: readonly MimePart[],
  newBoundary: () => string = randomBoundary,
): string {
  const encoded = parts.map((part) => ({ part, ...encodePart(part) }));
  const boundary = chooseBoundary(
    encoded.map(({ body }) => body),
    newBoundary,
  );
  let out = `Content-Type: multipart/mixed; boundary="${boundary}"\nMIME-Version: 1.0\n\n`;
  for (const { part, body, transferEncoding, charset } of encoded) {
    out +=
      `--${boundary}\n` +
      `Content-Type: ${part.contentType}; charset="${charset}"\n` +
      'MIME-Version: 1.0\n' +
      `Content-Transfer-Encoding: ${transferEncoding}\n` +
      `Content-Disposition: attachment; filename="${checkedFilename(part.filename)}"\n` +
      '\n' +
      // The line break before a delimiter belongs to the delimiter (RFC 2046 5.1.1), not to the body.
      `${body}\n`;
  }
  return `${out}--${boundary}--\n`;
}

function encodePart(part: MimePart): { body: string; transferEncoding: string; charset: string } {
  const ascii = /^[\x20-\x7e\t\n]*$/.test(part.content);
  const shortLines = part.content.split('\n').every((line) => line.length <= MAX_7BIT_LINE);
  if (ascii && shortLines) {
    return { body: part.content, transferEncoding: '7bit', charset: 'us-ascii' };
  }
  const base64 = Buffer.from(part.content, 'utf8').toString('base64');
  const lines = base64.match(/.{1,76}/g) ?? [''];
  return { body: lines.join('\n'), transferEncoding: 'base64', charset: 'utf-8' };
}

/** A boundary that occurs in no part: the parser would otherwise cut a part short at it. */
function chooseBoundary(bodies: readonly string[], newBoundary: () => string): string {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const candidate = newBoundary();
    if (!/^[0-9A-Za-z'()+_,./:=?-]{1,69}[0-9A-Za-z'()+_,./:=?-]$/.test(candidate)) {
      throw new Error(`Invalid MIME boundary ${JSON.stringify(candidate)}.`);
    }
    if (!bodies.some((body) => body.includes(candidate))) return candidate;
  }
  throw new Error('Could not find a MIME boundary that occurs in none of the user-data parts.');
}

function randomBoundary(): string {
  return `==indicovm-${randomBytes(16).toString('hex')}==`;
}

function checkedFilename(name: string): string {
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(name)) {
    throw new ConfigurationError(
      `Invalid user-data part file name ${JSON.stringify(name)}: use letters, digits, '.', '_' and '-'.`,
    );
  }
  return name;
}
