import { describe, expect, test } from '@jest/globals';
import { render, run, tempDir, writeTemp } from './helpers.js';

const dir = tempDir('detect');
const script = writeTemp(dir, 'provision.sh', render().script, 0o755);

function osRelease(name: string, fields: Record<string, string>): string {
  return writeTemp(
    dir,
    name,
    Object.entries(fields)
      .map(([key, value]) => `${key}="${value}"`)
      .join('\n') + '\n',
  );
}

const SUPPORTED: [string, Record<string, string>, string][] = [
  [
    'Debian 12',
    { NAME: 'Debian GNU/Linux', ID: 'debian', VERSION_ID: '12' },
    'family=debian id=debian version=12',
  ],
  [
    'Debian 13',
    { NAME: 'Debian GNU/Linux', ID: 'debian', VERSION_ID: '13' },
    'family=debian id=debian version=13',
  ],
  [
    'Ubuntu 22.04',
    { NAME: 'Ubuntu', ID: 'ubuntu', ID_LIKE: 'debian', VERSION_ID: '22.04' },
    'family=debian id=ubuntu version=22.04',
  ],
  [
    'Ubuntu 24.04',
    { NAME: 'Ubuntu', ID: 'ubuntu', ID_LIKE: 'debian', VERSION_ID: '24.04' },
    'family=debian id=ubuntu version=24.04',
  ],
  [
    'AlmaLinux 9.4',
    { NAME: 'AlmaLinux', ID: 'almalinux', ID_LIKE: 'rhel centos fedora', VERSION_ID: '9.4' },
    'family=el id=almalinux version=9.4',
  ],
  [
    'Rocky Linux 9.3',
    { NAME: 'Rocky Linux', ID: 'rocky', ID_LIKE: 'rhel centos fedora', VERSION_ID: '9.3' },
    'family=el id=rocky version=9.3',
  ],
];

const UNSUPPORTED: [string, Record<string, string>][] = [
  ['Debian 11', { ID: 'debian', VERSION_ID: '11' }],
  ['CentOS 7', { ID: 'centos', VERSION_ID: '7' }],
  ['AlmaLinux 8', { ID: 'almalinux', VERSION_ID: '8.9' }],
  ['Fedora 40', { ID: 'fedora', VERSION_ID: '40' }],
  ['Ubuntu 23.10', { ID: 'ubuntu', VERSION_ID: '23.10' }],
];

describe.each(['sh', 'bash'])('distribution detection under %s', (shell) => {
  test.each(SUPPORTED)('%s is supported', (name, fields, expected) => {
    const file = osRelease(name.replaceAll(' ', '_'), fields);
    const result = run(shell, [script, '--detect-only'], {
      env: { ...process.env, INDICOVM_OS_RELEASE: file },
    });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe(expected);
    expect(result.status).toBe(0);
  });

  test.each(UNSUPPORTED)('%s is refused with a clear message', (name, fields) => {
    const file = osRelease(name.replaceAll(' ', '_'), fields);
    const result = run(shell, [script, '--detect-only'], {
      env: { ...process.env, INDICOVM_OS_RELEASE: file },
    });
    expect(result.status).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`unsupported distribution "${fields.ID} ${fields.VERSION_ID}"`);
    expect(result.stderr).toContain('Debian 12/13, Ubuntu 22.04/24.04, AlmaLinux 9, Rocky Linux 9');
  });

  test('a missing os-release file is an error, not a guess', () => {
    const result = run(shell, [script, '--detect-only'], {
      env: { ...process.env, INDICOVM_OS_RELEASE: `${dir}/does-not-exist` },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('cannot read');
  });

  test('an unknown argument is refused before anything runs', () => {
    const result = run(shell, [script, '--install-everything']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("unknown argument '--install-everything'");
  });
});
