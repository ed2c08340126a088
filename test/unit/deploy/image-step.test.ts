import { describe, expect, test } from '@jest/globals';
import { rotationPrefix } from '../../../shared/deploy/image-step.js';

describe('keep-images series', () => {
  test.each([
    ['indico-3.3-20261125.qcow2', 'indico-', false],
    ['indicovm-ubuntu24-2026.11.25', 'indicovm-ubuntu24-', false],
    ['indico', 'indico', true],
    ['2026-indico', '2026-indico', true],
  ])('%s belongs to the series %s', (name, prefix, exact) => {
    expect(rotationPrefix(name)).toEqual({ prefix, exact });
  });
});
