import { describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DigestStream } from '../../../shared/openstack/digests.js';
import {
  digestsStillNeeded,
  digestsToCheck,
  imagesBeyondKeep,
  matches,
  sortByCreation,
  verifyDigests,
  type GlanceImage,
} from '../../../shared/openstack/glance.js';
import {
  chooseMicroversion,
  encodeUserData,
  MAX_USER_DATA_BASE64,
  pickSshAddress,
} from '../../../shared/openstack/nova.js';

describe('microversions', () => {
  it('uses 2.74 when offered, the cloud maximum when lower, none when absent', () => {
    expect(chooseMicroversion('2.74', '2.93')).toBe('2.74');
    expect(chooseMicroversion('2.74', '2.74')).toBe('2.74');
    expect(chooseMicroversion('2.74', '2.60')).toBe('2.60');
    expect(chooseMicroversion('2.74', '2.9')).toBe('2.9');
    expect(chooseMicroversion('2.74', '')).toBeUndefined();
    expect(chooseMicroversion('2.74', undefined)).toBeUndefined();
  });
});

describe('encodeUserData', () => {
  it('base64-encodes text and bytes', () => {
    expect(encodeUserData('#cloud-config\n')).toBe(Buffer.from('#cloud-config\n').toString('base64'));
    expect(encodeUserData(Buffer.from([0x1f, 0x8b, 0x08]))).toBe('H4sI');
  });
  it('refuses what Nova would refuse, before sending', () => {
    const largestAllowed = Buffer.alloc(49_149);
    expect(encodeUserData(largestAllowed).length).toBeLessThanOrEqual(MAX_USER_DATA_BASE64);
    expect(() => encodeUserData(Buffer.alloc(49_152))).toThrow(
      /65536 characters in base64, and Nova accepts at most 65535/,
    );
  });
});

describe('pickSshAddress', () => {
  const fixed4 = { version: 4, addr: '192.168.1.10', 'OS-EXT-IPS:type': 'fixed' };
  const floating = { version: 4, addr: '203.0.113.7', 'OS-EXT-IPS:type': 'floating' };
  const global6 = { version: 6, addr: '2001:db8::10', 'OS-EXT-IPS:type': 'fixed' };
  const link6 = { version: 6, addr: 'fe80::f816:3eff:fe00:1', 'OS-EXT-IPS:type': 'fixed' };
  it('prefers floating, then fixed IPv4, then global IPv6', () => {
    expect(pickSshAddress({ addresses: { private: [global6, fixed4, floating] } })).toBe('203.0.113.7');
    expect(pickSshAddress({ addresses: { v6: [global6], private: [fixed4] } })).toBe('192.168.1.10');
    expect(pickSshAddress({ addresses: { v6: [link6, global6] } })).toBe('2001:db8::10');
  });
  it('has nothing while building or without networks', () => {
    expect(pickSshAddress({ addresses: {} })).toBeUndefined();
    expect(pickSshAddress({})).toBeUndefined();
    expect(pickSshAddress({ addresses: { v6: [link6] } })).toBeUndefined();
  });
});

describe('DigestStream', () => {
  it('computes SHA-512 in one pass, passing the bytes through unchanged', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const hasher = new DigestStream();
    const out: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        out.push(chunk);
        callback();
      },
    });
    await pipeline(Readable.from([data.subarray(0, 1000), data.subarray(1000)]), hasher, sink);
    expect(Buffer.concat(out).equals(data)).toBe(true);
    expect(hasher.digests).toEqual({
      sha512: createHash('sha512').update(data).digest('hex'),
      size: data.length,
    });
  });

  it('has the digests of every byte sent when the receiver answers before the source ends', async () => {
    // As an HTTP server given a Content-Length: it has every byte and answers, the request closes
    // and destroys the body, while the file's end-of-file read is still pending.
    const data = randomBytes(200_000);
    const source = new Readable({ read() {} });
    source.push(data);
    const hasher = new DigestStream();
    let received = 0;
    const everything = new Promise<void>((resolve) => {
      source.pipe(hasher).pipe(
        new Writable({
          write(chunk: Buffer, _encoding, callback) {
            received += chunk.length;
            callback();
            if (received === data.length) {
              resolve();
            }
          },
        }),
      );
    });
    await everything;
    hasher.destroy();
    expect(hasher.digests).toBeUndefined();
    expect(hasher.takeDigests()).toEqual({
      sha512: createHash('sha512').update(data).digest('hex'),
      size: data.length,
    });
    expect(hasher.takeDigests()).toBe(hasher.takeDigests());
  });
});

describe('image checks', () => {
  const digests = { sha512: 'cc', size: 10, more: { md5: 'aa', sha256: 'bb' } };
  const image = (extra: Partial<GlanceImage>): GlanceImage => ({
    id: 'i1',
    name: 'x',
    status: 'active',
    created_at: '2024-01-01T00:00:00Z',
    ...extra,
  });
  it('accepts matching checksum and os_hash_value', () => {
    expect(
      matches(image({ checksum: 'aa', os_hash_algo: 'sha512', os_hash_value: 'cc', size: 10 }), digests),
    ).toEqual([]);
    expect(matches(image({ checksum: 'aa', os_hash_algo: 'sha256', os_hash_value: 'bb' }), digests)).toEqual(
      [],
    );
  });
  it('reports every difference', () => {
    expect(() =>
      verifyDigests(
        image({ checksum: 'zz', os_hash_algo: 'sha512', os_hash_value: 'yy', size: 11 }),
        digests,
      ),
    ).toThrow(/size 11 instead of 10; MD5 checksum zz instead of aa; sha512 yy instead of cc/);
  });
  it('refuses an image without any checksum', () => {
    expect(() => verifyDigests(image({}), digests)).toThrow(/neither checksum nor os_hash_value/);
  });
  it('refuses an image none of whose digests could be compared', () => {
    const taken = { sha512: 'cc', size: 10 };
    expect(() =>
      verifyDigests(image({ os_hash_algo: 'whirlpool-9', os_hash_value: 'ff', size: 10 }), taken),
    ).toThrow(/none of Glance's digests could be compared \(os_hash_algo whirlpool-9/);
    expect(() => verifyDigests(image({ checksum: 'aa', size: 10 }), taken)).toThrow(/could be compared/);
  });
  it('asks for a second read only when Glance reports something other than SHA-512', () => {
    const taken = { sha512: 'cc', size: 10 };
    expect(
      digestsStillNeeded(image({ checksum: 'aa', os_hash_algo: 'sha512', os_hash_value: 'cc' }), taken),
    ).toEqual([]);
    expect(
      digestsStillNeeded(image({ checksum: 'aa', os_hash_algo: 'SHA256', os_hash_value: 'bb' }), taken),
    ).toEqual(['sha256']);
    expect(
      digestsStillNeeded(image({ checksum: 'aa', os_hash_algo: 'sha3_512', os_hash_value: 'bb' }), taken),
    ).toEqual(['sha3_512']);
    // A Glance before os_hash_value (Queens and older) reports only the MD5 checksum.
    expect(digestsStillNeeded(image({ checksum: 'aa' }), taken)).toEqual(['md5']);
    expect(
      digestsStillNeeded(image({ checksum: 'aa', os_hash_algo: 'whirlpool-9', os_hash_value: 'x' }), taken),
    ).toEqual(['md5']);
  });
  it('takes the missing digests from the file and checks them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'digests-'));
    const file = join(dir, 'image.raw');
    const data = randomBytes(100_000);
    writeFileSync(file, data);
    const hex = (algorithm: string) => createHash(algorithm).update(data).digest('hex');
    const taken = { sha512: hex('sha512'), size: data.length };
    const legacy = image({ checksum: hex('md5'), size: data.length });
    const checked = await digestsToCheck(legacy, taken, file);
    expect(checked.more).toEqual({ md5: hex('md5') });
    expect(() => verifyDigests(legacy, checked)).not.toThrow();
    const sha3 = image({ os_hash_algo: 'sha3_512', os_hash_value: hex('sha3-512'), size: data.length });
    expect((await digestsToCheck(sha3, taken, file)).more).toEqual({ sha3_512: hex('sha3-512') });
    const other = image({ checksum: 'f'.repeat(32), size: data.length });
    expect(() => verifyDigests(other, checked)).toThrow(/MD5 checksum f+ instead of/);
    rmSync(dir, { recursive: true, force: true });
  });
  it('keeps the newest N for rotation', () => {
    const images = sortByCreation([
      image({ id: 'c', created_at: '2024-03-01T00:00:00Z' }),
      image({ id: 'a', created_at: '2024-01-01T00:00:00Z' }),
      image({ id: 'b', created_at: '2024-02-01T00:00:00Z' }),
    ]);
    expect(images.map((i) => i.id)).toEqual(['a', 'b', 'c']);
    expect(imagesBeyondKeep(images, 2).map((i) => i.id)).toEqual(['a']);
    expect(imagesBeyondKeep(images, 5)).toEqual([]);
    expect(imagesBeyondKeep(images, 0)).toEqual([]);
  });
});
