import { describe, expect, test } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { COMMANDS } from '../../../shared/options/commands.js';
import type { OptionSpec } from '../../../shared/options/kinds.js';
import { kebab } from '../../../shared/options/names.js';
import { REPO } from '../../support/run-action.js';

// Users of the original fabfiles look up their task or fabfile.conf option in the README's migration
// tables. Every `origin` the catalog records (options in shared/options/catalog, tasks in commands.ts)
// must have a row there that names it in its first cell and names the setting or task it became.

interface Mapping {
  readonly original: string;
  /** The indicovm setting or task the row must name. */
  readonly becomes: string;
}

/** 'usr/fabfile.py: load_ssl, update_server' → its single names; an origin may list several. */
const namesIn = (origin: string) =>
  origin
    .split(/[,:()]/)
    .map((name) => name.trim())
    .filter((name) => name.length > 0);

const isOption = (value: unknown): value is OptionSpec<unknown> =>
  typeof value === 'object' && value !== null && 'parse' in value && 'description' in value;

async function catalogMappings(): Promise<Mapping[]> {
  const folder = join(REPO, 'shared/options/catalog');
  const mappings: Mapping[] = [];
  for (const file of readdirSync(folder).filter((f) => f.endsWith('.ts'))) {
    const module = (await import(pathToFileURL(join(folder, file)).href)) as Record<string, unknown>;
    for (const group of Object.values(module)) {
      if (typeof group !== 'object' || group === null || Array.isArray(group)) {
        continue;
      }
      for (const [key, spec] of Object.entries(group)) {
        if (isOption(spec) && spec.origin) {
          mappings.push(...namesIn(spec.origin).map((original) => ({ original, becomes: kebab(key) })));
        }
      }
    }
  }
  return mappings;
}

const commandMappings = (): Mapping[] =>
  COMMANDS.flatMap((command) =>
    namesIn(command.origin).map((original) => ({ original, becomes: command.name })),
  );

/** The table rows of the README's migration section, each as its cells. */
function migrationRows(): string[][] {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const section = /^## Migrating from the fabfiles\n([\s\S]*?)(?=^## )/m.exec(readme);
  if (!section) {
    throw new Error("README.md has no '## Migrating from the fabfiles' section");
  }
  return section[1]!
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|[\s|-]+\|$/.test(line))
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** `name` as a whole name: not part of a longer identifier, path or key. */
const mentions = (text: string, name: string) =>
  new RegExp(`(^|[^A-Za-z0-9_./-])${escapeRegExp(name)}([^A-Za-z0-9_./-]|$)`).test(text);

function missing(mappings: readonly Mapping[], rows: readonly string[][]): string[] {
  const unique = [...new Map(mappings.map((m) => [`${m.original} → ${m.becomes}`, m])).values()];
  return unique
    .filter(
      ({ original, becomes }) =>
        !rows.some(
          ([first = '', ...rest]) =>
            mentions(first, original) && rest.some((cell) => mentions(cell, becomes)),
        ),
    )
    .map(({ original, becomes }) => `${original} → ${becomes}`);
}

describe('the README migration table', () => {
  test('names every original fabfile.conf option with the setting it became', async () => {
    const mappings = await catalogMappings();
    expect(mappings.length).toBeGreaterThan(30);
    expect(missing(mappings, migrationRows())).toEqual([]);
  });

  test('names every original task with the indicovm task it became', () => {
    const mappings = commandMappings();
    expect(mappings.map((m) => m.original)).toEqual(expect.arrayContaining(['create_vm_img', 'load_ssl']));
    expect(missing(mappings, migrationRows())).toEqual([]);
  });

  test('a row names the original in its first cell and the new name as a whole word', () => {
    const rows = [
      ['`guest_machine.name`', '`server-hostname`'],
      ['`config_no_cloud`', '`build-image`'],
    ];
    expect(missing([{ original: 'machine.name', becomes: 'host' }], rows)).toEqual(['machine.name → host']);
    expect(missing([{ original: 'config', becomes: 'manage' }], rows)).toEqual(['config → manage']);
    expect(missing([{ original: 'guest_machine.name', becomes: 'server-name' }], rows)).toEqual([
      'guest_machine.name → server-name',
    ]);
    expect(missing([{ original: 'guest_machine.name', becomes: 'server-hostname' }], rows)).toEqual([]);
  });
});
