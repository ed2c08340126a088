import { createHash, getHashes, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * What was hashed of an image's bytes. SHA-512 always: it is Glance's default os_hash_algo and what
 * reuse-image looks images up by. Anything else (MD5 for a Glance that reports only `checksum`, or an
 * operator-chosen hashing_algorithm) only when a check needs it, from a second read of the file.
 */
export interface Digests {
  readonly size: number;
  readonly sha512: string;
  /** Other digests by Glance's algorithm name (md5, sha256, sha3_512, …). */
  readonly more?: Readonly<Record<string, string>>;
}

/** Node's name of a hashlib algorithm Glance may be configured with; undefined when Node lacks it. */
export function nodeHashName(glanceName: string): string | undefined {
  const name = glanceName.toLowerCase().replace(/^sha3_/, 'sha3-');
  return getHashes().includes(name) ? name : undefined;
}

/**
 * SHA-512 and size of the bytes given so far. One digest, not three: on two cores every digest on the
 * send path is CPU the upload and the receiving service compete for.
 */
export class RunningDigest {
  readonly #sha512: Hash = createHash('sha512');
  #size = 0;
  #result: Digests | undefined;

  update(chunk: Uint8Array): void {
    if (this.#result) throw new Error('data arrived after the digests were taken');
    this.#sha512.update(chunk);
    this.#size += chunk.length;
  }

  get size(): number {
    return this.#size;
  }

  /** The digests once taken; undefined before that. */
  get digests(): Digests | undefined {
    return this.#result;
  }

  /**
   * The digests of every byte given so far, ending the hashing. A receiver (an HTTP server given a
   * Content-Length) can have every byte and answer before the sender has seen its source's end, so
   * the sender compares the size instead of waiting for an end that may never come.
   */
  takeDigests(): Digests {
    this.#result ??= { size: this.#size, sha512: this.#sha512.digest('hex') };
    return this.#result;
  }
}

/**
 * A pass-through stream that hashes what flows through it (a download), so an image is read a single
 * time however it is used and memory stays flat.
 */
export class DigestStream extends Transform {
  readonly #digest = new RunningDigest();

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.#digest.update(chunk);
    } catch (error) {
      callback(error as Error);
      return;
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.takeDigests();
    callback();
  }

  /** The digests once the whole stream has passed; undefined before that (or after an abort). */
  get digests(): Digests | undefined {
    return this.#digest.digests;
  }

  /** RunningDigest.takeDigests: what has passed so far. */
  takeDigests(): Digests {
    return this.#digest.takeDigests();
  }
}

const CHUNK_BYTES = 1024 * 1024;

/**
 * A file's bytes through one reused 1 MiB buffer, each chunk given to digest as it is read (an
 * upload). A chunk is valid only until the next one is asked for, so the consumer must be done with
 * it by then (http.ts writes a chunk and waits until the socket has taken it). Compared with a read
 * stream piped into the request this allocates nothing per chunk: the peak RSS stays near Node's own,
 * and 16 times fewer, larger writes cost less CPU.
 */
export async function* hashedFileChunks(path: string, digest: RunningDigest): AsyncGenerator<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, null);
      if (bytesRead === 0) return;
      const chunk = buffer.subarray(0, bytesRead);
      digest.update(chunk);
      yield chunk;
    }
  } finally {
    await handle.close();
  }
}

/** Hashes a file with the given algorithms (Glance's names) in one read. */
export async function hashFile(
  path: string,
  glanceNames: readonly string[],
): Promise<Record<string, string>> {
  const hashes = glanceNames.map((name) => [name, createHash(nodeHashName(name) ?? name)] as const);
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    for (const [, hash] of hashes) hash.update(chunk);
  }
  return Object.fromEntries(hashes.map(([name, hash]) => [name, hash.digest('hex')]));
}

/** The digest of the algorithm Glance names (os_hash_algo, or md5 for `checksum`), if it was taken. */
export function digestFor(digests: Digests, algorithm: string | undefined): string | undefined {
  const name = algorithm?.toLowerCase();
  return name === 'sha512' ? digests.sha512 : name === undefined ? undefined : digests.more?.[name];
}
