import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export interface Digests {
  readonly md5: string;
  readonly sha256: string;
  readonly sha512: string;
  readonly size: number;
}

/**
 * A pass-through stream that hashes what flows through it with MD5, SHA-256 and SHA-512 at once, so
 * an image is read a single time however it is used (upload, download) and memory stays flat.
 */
export class DigestStream extends Transform {
  readonly #hashes: Record<'md5' | 'sha256' | 'sha512', Hash> = {
    md5: createHash('md5'),
    sha256: createHash('sha256'),
    sha512: createHash('sha512'),
  };
  #size = 0;
  #result: Digests | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#result) {
      callback(new Error('data arrived after the digests were taken'));
      return;
    }
    this.#hashes.md5.update(chunk);
    this.#hashes.sha256.update(chunk);
    this.#hashes.sha512.update(chunk);
    this.#size += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.takeDigests();
    callback();
  }

  /** The digests once the whole stream has passed; undefined before that (or after an abort). */
  get digests(): Digests | undefined {
    return this.#result;
  }

  /**
   * The digests of every byte that has passed so far, ending the hashing. A receiver (an HTTP
   * server given a Content-Length) can have every byte and answer before this stream has seen its
   * source's end, so the sender compares the size instead of waiting for a flush that may never come.
   */
  takeDigests(): Digests {
    this.#result ??= {
      md5: this.#hashes.md5.digest('hex'),
      sha256: this.#hashes.sha256.digest('hex'),
      sha512: this.#hashes.sha512.digest('hex'),
      size: this.#size,
    };
    return this.#result;
  }
}

/** The digest Glance's os_hash_algo names, if it is one of ours. */
export function digestFor(digests: Digests, algorithm: string | undefined): string | undefined {
  switch (algorithm?.toLowerCase()) {
    case 'md5':
      return digests.md5;
    case 'sha256':
      return digests.sha256;
    case 'sha512':
      return digests.sha512;
    default:
      return undefined;
  }
}
