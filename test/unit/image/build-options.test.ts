import { describe, expect, test } from '@jest/globals';
import { checkBuildImageOptions, type BuildImageOptions } from '../../../shared/image/build-image.js';
import { ConfigurationError } from '../../../shared/errors.js';
import { buildImageCommand } from '../../../shared/options/commands.js';
import { resolveOptions } from '../../../shared/options/resolve.js';

function options(explicit: Record<string, string>): BuildImageOptions {
  return resolveOptions(buildImageCommand, { explicit, explicitKind: 'flag', env: {} }).values;
}

describe('checkBuildImageOptions', () => {
  const base = { 'base-image': '/images/base.qcow2' };

  test('accepts a plain build', () => {
    expect(() => checkBuildImageOptions(options(base))).not.toThrow();
  });

  test.each([
    [{}, "Missing option 'base-image'"],
    [{ 'base-image': 'glance:' }, 'needs an image name or ID'],
    [{ ...base, 'base-image-sha256': 'a'.repeat(64) }, "'base-image-sha256' only applies when"],
    [{ ...base, 'base-image-sha512': 'a'.repeat(128) }, "'base-image-sha512' only applies when"],
    [
      {
        'base-image': 'https://example.org/a.qcow2',
        'base-image-sha256': 'a'.repeat(64),
        'base-image-sha512': 'b'.repeat(128),
      },
      'are both set',
    ],
    [{ ...base, 'base-image-sha512': 'a'.repeat(64) }, '128 hexadecimal digits'],
    [{ ...base, recipe: 'none' }, "give at least one 'provision-script'"],
    [{ ...base, formats: 'qcow2,raw,qcow2' }, 'lists a format twice'],
  ])('refuses %j', (explicit, message) => {
    expect(() => checkBuildImageOptions(options(explicit))).toThrow(ConfigurationError);
    expect(() => checkBuildImageOptions(options(explicit))).toThrow(message);
  });
});
