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

/** A supported distribution's os-release, with what --detect-only prints for it. */
function supported(
  name: string,
  family: 'debian' | 'el',
  fields: Record<string, string>,
): [string, Record<string, string>, string] {
  return [name, fields, `family=${family} id=${fields.ID} version=${fields.VERSION_ID}`];
}

const DEBIAN = { NAME: 'Debian GNU/Linux', ID: 'debian' };
const UBUNTU = { NAME: 'Ubuntu', ID: 'ubuntu', ID_LIKE: 'debian' };
const EL_LIKE = 'rhel centos fedora';

const SUPPORTED = [
  supported('Debian 12', 'debian', { ...DEBIAN, VERSION_ID: '12' }),
  supported('Debian 13', 'debian', { ...DEBIAN, VERSION_ID: '13' }),
  supported('Ubuntu 22.04', 'debian', { ...UBUNTU, VERSION_ID: '22.04' }),
  supported('Ubuntu 24.04', 'debian', { ...UBUNTU, VERSION_ID: '24.04' }),
  supported('AlmaLinux 9.4', 'el', {
    NAME: 'AlmaLinux',
    ID: 'almalinux',
    ID_LIKE: EL_LIKE,
    VERSION_ID: '9.4',
  }),
  supported('Rocky Linux 9.3', 'el', {
    NAME: 'Rocky Linux',
    ID: 'rocky',
    ID_LIKE: EL_LIKE,
    VERSION_ID: '9.3',
  }),
];

const UNSUPPORTED: [string, Record<string, string>][] = [
  ['Debian 11', { ID: 'debian', VERSION_ID: '11' }],
  ['CentOS 7', { ID: 'centos', VERSION_ID: '7' }],
  ['AlmaLinux 8', { ID: 'almalinux', VERSION_ID: '8.9' }],
  ['Fedora 40', { ID: 'fedora', VERSION_ID: '40' }],
  ['Ubuntu 23.10', { ID: 'ubuntu', VERSION_ID: '23.10' }],
];

/** The provisioning script's --detect-only run under `shell`, reading `osReleaseFile` for /etc/os-release. */
function detect(shell: string, osReleaseFile: string) {
  return run(shell, [script, '--detect-only'], {
    env: { ...process.env, INDICOVM_OS_RELEASE: osReleaseFile },
  });
}

describe.each(['sh', 'bash'])('distribution detection under %s', (shell) => {
  test.each(SUPPORTED)('%s is supported', (name, fields, expected) => {
    const file = osRelease(name.replaceAll(' ', '_'), fields);
    const result = detect(shell, file);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe(expected);
    expect(result.status).toBe(0);
  });

  test.each(UNSUPPORTED)('%s is refused with a clear message', (name, fields) => {
    const file = osRelease(name.replaceAll(' ', '_'), fields);
    const result = detect(shell, file);
    expect(result.status).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`unsupported distribution "${fields.ID} ${fields.VERSION_ID}"`);
    expect(result.stderr).toContain('Debian 12/13, Ubuntu 22.04/24.04, AlmaLinux 9, Rocky Linux 9');
  });

  test('a missing os-release file is an error, not a guess', () => {
    const result = detect(shell, `${dir}/does-not-exist`);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('cannot read');
  });

  test('an unknown argument is refused before anything runs', () => {
    const result = run(shell, [script, '--install-everything']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("unknown argument '--install-everything'");
  });
});
