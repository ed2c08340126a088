import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS } from '../../../shared/options/commands.js';
import type { OptionSpec } from '../../../shared/options/kinds.js';
import { kebab } from '../../../shared/options/names.js';
import { REPO } from '../../support/run-action.js';

// Users of the original fabfiles look up their task or fabfile.conf option in the migration tables
// (docs/migrating-from-fabfiles.md). Every `origin` the catalog records (options in shared/options/catalog, tasks in commands.ts)
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

/** Every option of every task (the catalogs and the task-local ones), each once, with its origin. */
function catalogMappings(): Mapping[] {
  const options = new Map<string, { key: string; spec: OptionSpec<unknown> }>();
  for (const command of COMMANDS) {
    for (const [key, spec] of Object.entries(command.options)) {
      options.set(`${key}:${spec.origin ?? ''}`, { key, spec });
    }
  }
  return [...options.values()].flatMap(({ key, spec }) =>
    spec.origin ? namesIn(spec.origin).map((original) => ({ original, becomes: kebab(key) })) : [],
  );
}

const commandMappings = (): Mapping[] =>
  COMMANDS.flatMap((command) =>
    namesIn(command.origin).map((original) => ({ original, becomes: command.name })),
  );

/** The table rows of the migration guide, each as its cells. */
function migrationRows(): string[][] {
  return readFileSync(join(REPO, 'docs', 'migrating-from-fabfiles.md'), 'utf8')
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

/**
 * Every option of the original's two fabfile.conf files (dev/ builds and deploys, usr/ manages), as the
 * guide lists them: fixed here, so an option cannot drop out of the table by losing its `origin`.
 */
const ORIGINAL_OPTIONS = [
  'user',
  'password',
  'host_machine.name',
  'host_machine.ssh_port',
  'host_machine.http_port',
  'host_machine.https_port',
  'guest_machine.name',
  'guest_machine.ssh_port',
  'guest_machine.http_port',
  'guest_machine.https_port',
  'machine.name',
  'machine.ssh_port',
  'machine.http_port',
  'machine.https_port',
  'redis_host',
  'redis_port',
  'redis_pswd',
  'debug_vm',
  'config_dir',
  'img_dir',
  'img_name',
  'vd_name',
  'indico_inst_dir',
  'db_inst_dir',
  'indico_conf_dirname',
  'httpd_conf_dir',
  'httpd_confd_dir',
  'iptables_dir',
  'ssl_certs_dir',
  'ssl_private_dir',
  'ssl_pem_path',
  'ssl_key_path',
  'virtualization_cmd',
  'yum_repos_dir',
  'puias_priority',
];

describe('the migration tables (docs/migrating-from-fabfiles.md)', () => {
  test("has a row for every option of the original's fabfile.conf files", () => {
    const rows = migrationRows();
    const absent = ORIGINAL_OPTIONS.filter((name) => !rows.some(([first = '']) => mentions(first, name)));
    expect(absent).toEqual([]);
  });

  test('every original option the settings carry on is recorded as an origin in the catalog', () => {
    const origins = new Set(catalogMappings().map((m) => m.original));
    // Those without a setting have a row that says what took their place.
    const replaced = new Set(['host_machine.name', 'yum_repos_dir', 'puias_priority']);
    expect(ORIGINAL_OPTIONS.filter((name) => !origins.has(name) && !replaced.has(name))).toEqual([]);
  });

  test('names every original fabfile.conf option with the setting it became', () => {
    const mappings = catalogMappings();
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
