import { describe, expect, test } from '@jest/globals';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SHELL } from '../../../shared/recipe/sh/index.generated.js';
import { shellFile } from '../../../shared/recipe/sh-file.js';
import { run } from './helpers.js';

const FOLDER = fileURLToPath(new URL('../../../shared/recipe/sh/', import.meta.url));
const FILES = readdirSync(FOLDER).filter((name) => name.endsWith('.sh'));

describe('the recipe shell files (shared/recipe/sh)', () => {
  test('are all embedded', () => {
    expect(Object.keys(SHELL).sort()).toEqual([...FILES].sort());
  });

  // The same severity as the rendered script's check; each file is read with its own header directives.
  test.each(FILES)('%s passes shellcheck -s sh -S style on its own', (name) => {
    const result = run('shellcheck', ['-s', 'sh', '-S', 'style', `${FOLDER}${name}`]);
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('shellFile', () => {
  test('fills a slot with the rendered text, in place of its line', () => {
    const text = shellFile('tls.sh', { files: 'note "rendered"\n' });
    expect(text).toMatch(/chmod 700 "\$SSL_DIR"\nnote "rendered"\n$/);
    expect(text).not.toContain('#@');
  });

  test('refuses a slot left empty and a filler without a slot', () => {
    expect(() => shellFile('tls.sh')).toThrow('tls.sh: slot files is not filled');
    expect(() => shellFile('redis.sh', { files: '' })).toThrow('redis.sh: no slot files');
  });
});
