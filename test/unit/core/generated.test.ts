import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ACTIONS, expectedFiles } from '../../../scripts/metadata.js';
import { kebab, publicNames } from '../../../shared/options/names.js';
import { REPO } from '../../support/run-action.js';

describe('generated files', () => {
  test('each action.yml and docs/inputs-and-outputs.md match the option catalog (npm run gen)', () => {
    const files = expectedFiles();
    for (const [path, content] of files) {
      expect({ path, content: readFileSync(join(REPO, path), 'utf8') }).toEqual({ path, content });
    }
  });

  test.each(ACTIONS.map((a) => [a.folder, a] as const))(
    '%s: action.yml inputs are exactly the options and their old names, which say what replaced them',
    (folder, meta) => {
      const yaml = parse(readFileSync(join(REPO, folder, 'action.yml'), 'utf8')) as {
        inputs: Record<string, { deprecationMessage?: string }>;
      };
      const options = Object.entries(meta.command.options);
      expect(Object.keys(yaml.inputs).sort()).toEqual(
        options.flatMap(([key, spec]) => publicNames(key, spec)).sort(),
      );
      for (const [key, spec] of options) {
        expect(yaml.inputs[kebab(key)]?.deprecationMessage).toBeUndefined();
        for (const alias of spec.aliases ?? []) {
          expect(yaml.inputs[alias]?.deprecationMessage).toBe(`Use ${kebab(key)}: ${alias} is its old name.`);
        }
      }
      // No input default: indicovm.yml and OS_* variables must be able to supply values.
      for (const input of Object.values(yaml.inputs)) {
        expect(input).not.toHaveProperty('default');
      }
    },
  );
});
