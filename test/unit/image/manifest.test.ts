import { describe, expect, test } from '@jest/globals';
import {
  buildManifest,
  buildSummary,
  formatBytes,
  type ManifestInput,
} from '../../../shared/image/manifest.js';

// What the manifest records of the base image and the images: the input's records without their paths.
const BASE_RECORD = {
  source: 'https://example.invalid/debian-12-genericcloud-amd64.qcow2',
  sha256: 'a'.repeat(64),
  format: 'qcow2',
  virtualSize: 2 * 1024 ** 3,
};
const QCOW2_RECORD = {
  format: 'qcow2',
  file: 'indico.qcow2',
  size: 135_725_056,
  sha256: 'b'.repeat(64),
  check: 'no errors',
};
const VHD_RECORD = {
  format: 'vpc',
  file: 'indico.vhd',
  size: 1024,
  sha256: 'c'.repeat(64),
  check: 'not supported by the format',
};

const input: ManifestInput = {
  createdAt: new Date('2026-01-02T03:04:05Z'),
  base: { ...BASE_RECORD, path: '/cache/base.img' },
  accelerator: 'tcg',
  timings: { 'Boot and SSH': 41_234, Convert: 950 },
  settings: { recipe: 'none', formats: ['qcow2', 'vpc'] },
  images: [
    { ...QCOW2_RECORD, path: '/out/indico.qcow2' },
    { ...VHD_RECORD, path: '/out/indico.vhd' },
  ],
};

describe('buildManifest', () => {
  test('records the base image, accelerator, timings in seconds and the images by file name', () => {
    const manifest = buildManifest(input);
    expect(manifest).toEqual({
      tool: 'indicovm',
      createdAt: '2026-01-02T03:04:05.000Z',
      baseImage: BASE_RECORD,
      accelerator: 'tcg',
      timingsSeconds: { 'Boot and SSH': 41.2, Convert: 1 },
      settings: { recipe: 'none', formats: ['qcow2', 'vpc'] },
      images: [QCOW2_RECORD, VHD_RECORD],
      verify: 'skipped',
    });
    // The builder's paths stay out of a file that travels with the images.
    expect(JSON.stringify(manifest)).not.toContain('/out/');
    expect(JSON.stringify(manifest)).not.toContain('/cache/');
  });

  test('includes the verify result when there was one', () => {
    const verify = { hostKeyChanged: true, machineIdChanged: true, buildUserGone: true, httpsStatus: 502 };
    expect(buildManifest({ ...input, verify }).verify).toEqual(verify);
  });
});

describe('buildSummary', () => {
  test('a phase table and an image table with sizes and hashes', () => {
    const summary = buildSummary(input, 'indico');
    expect(summary.heading).toBe('indicovm build-image: indico');
    expect(summary.text).toContain('accelerator tcg');
    expect(summary.text).toContain('Verify boot skipped');
    expect(summary.tables?.[0]?.rows).toEqual([
      ['Boot and SSH', '41.2 s'],
      ['Convert', '950 ms'],
    ]);
    expect(summary.tables?.[1]?.rows[0]).toEqual([
      'indico.qcow2',
      'qcow2',
      '129.4 MiB',
      'b'.repeat(64),
      'no errors',
    ]);
  });

  test('a failed verify property reads in capitals', () => {
    const summary = buildSummary(
      {
        ...input,
        verify: { hostKeyChanged: false, machineIdChanged: true, buildUserGone: true },
      },
      'indico',
    );
    expect(summary.text).toContain('host key UNCHANGED');
  });
});

test('formatBytes', () => {
  expect(formatBytes(512)).toBe('512 B');
  expect(formatBytes(1536)).toBe('1.5 KiB');
  expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GiB');
});
