import { describe, expect, test } from '@jest/globals';
import {
  buildManifest,
  buildSummary,
  formatBytes,
  type ManifestInput,
} from '../../../shared/image/manifest.js';

const input: ManifestInput = {
  createdAt: new Date('2026-01-02T03:04:05Z'),
  base: {
    source: 'https://example.invalid/debian-12-genericcloud-amd64.qcow2',
    path: '/cache/base.img',
    sha256: 'a'.repeat(64),
    format: 'qcow2',
    virtualSize: 2 * 1024 ** 3,
  },
  accelerator: 'tcg',
  timings: { 'Boot and SSH': 41_234, Convert: 950 },
  settings: { recipe: 'none', formats: ['qcow2', 'vpc'] },
  images: [
    {
      format: 'qcow2',
      file: 'indico.qcow2',
      path: '/out/indico.qcow2',
      size: 135_725_056,
      sha256: 'b'.repeat(64),
      check: 'no errors',
    },
    {
      format: 'vpc',
      file: 'indico.vhd',
      path: '/out/indico.vhd',
      size: 1024,
      sha256: 'c'.repeat(64),
      check: 'not supported by the format',
    },
  ],
};

describe('buildManifest', () => {
  test('records the base image, accelerator, timings in seconds and the images by file name', () => {
    const manifest = buildManifest(input);
    expect(manifest).toEqual({
      tool: 'indicovm',
      createdAt: '2026-01-02T03:04:05.000Z',
      baseImage: {
        source: input.base.source,
        sha256: 'a'.repeat(64),
        format: 'qcow2',
        virtualSize: 2 * 1024 ** 3,
      },
      accelerator: 'tcg',
      timingsSeconds: { 'Boot and SSH': 41.2, Convert: 1 },
      settings: { recipe: 'none', formats: ['qcow2', 'vpc'] },
      images: [
        {
          format: 'qcow2',
          file: 'indico.qcow2',
          size: 135_725_056,
          sha256: 'b'.repeat(64),
          check: 'no errors',
        },
        {
          format: 'vpc',
          file: 'indico.vhd',
          size: 1024,
          sha256: 'c'.repeat(64),
          check: 'not supported by the format',
        },
      ],
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
