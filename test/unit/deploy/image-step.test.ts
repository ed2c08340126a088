import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rotationPrefix } from '../../../shared/deploy/image-step.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'deploy-unit-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
