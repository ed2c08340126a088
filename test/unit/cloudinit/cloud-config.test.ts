import { describe, expect, test } from '@jest/globals';
import { ConfigurationError } from '../../../shared/errors.js';
import {
  mergeCloudConfig,
  parseCloudConfig,
  renderCloudConfig,
  toWriteFiles,
  type CloudConfig,
} from '../../../shared/cloudinit/cloud-config.js';
import { Secret } from '../../../shared/secret.js';
import { cloudInitSchema, pyYaml } from './tools.js';

const KEY =
  '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n';

describe('renderCloudConfig', () => {
  test('starts with #cloud-config, and PyYAML reads back every value unchanged, Secrets revealed', () => {
    // Strings PyYAML (YAML 1.1) would turn into booleans, octal numbers, dates or a number.
    const tricky = [
      'on',
      'off',
      'yes',
      'no',
      'y',
      'n',
      '0600',
      '2024-01-01',
      '1_000',
      '0x1f',
      '#hash',
      'a: b',
      '',
    ];
    const config: CloudConfig = {
      users: [
        {
          name: 'build',
          sudo: 'ALL=(ALL) NOPASSWD:ALL',
          passwd: new Secret('$6$salt$hash'),
          lock_passwd: false,
        },
      ],
      ssh_pwauth: false,
      ssh_keys: { ed25519_private: new Secret(KEY), ed25519_public: 'ssh-ed25519 AAAA c' },
      apt: { conf: 'Acquire::Check-Valid-Until "false";\n' },
      write_files: [{ path: '/etc/k', content: new Secret(KEY), owner: 'root:root', permissions: '0600' }],
      runcmd: [['echo', 'two words'], 'ls -l'],
      tricky,
    };
    const text = renderCloudConfig(config);
    expect(text.startsWith('#cloud-config\n')).toBe(true);
    expect(pyYaml(text)).toEqual({
      users: [{ name: 'build', sudo: 'ALL=(ALL) NOPASSWD:ALL', passwd: '$6$salt$hash', lock_passwd: false }],
      ssh_pwauth: false,
      ssh_keys: { ed25519_private: KEY, ed25519_public: 'ssh-ed25519 AAAA c' },
      apt: { conf: 'Acquire::Check-Valid-Until "false";\n' },
      write_files: [{ path: '/etc/k', content: KEY, owner: 'root:root', permissions: '0600' }],
      runcmd: [['echo', 'two words'], 'ls -l'],
      tricky,
    });
  });

  test("cloud-init's own schema accepts what it renders", () => {
    const result = cloudInitSchema(
      renderCloudConfig({
        users: [{ name: 'build', shell: '/bin/bash', ssh_authorized_keys: ['ssh-ed25519 AAAA c'] }],
        disable_root: true,
        ssh_genkeytypes: ['ed25519'],
        write_files: toWriteFiles([{ path: '/etc/app.conf', mode: 0o644, content: 'x = 1\n' }]),
      }),
    );
    expect(result.stdout).toContain('Valid cloud-config');
    expect(result.status).toBe(0);
  });

  test('and the schema check is able to say no', () => {
    const result = cloudInitSchema('#cloud-config\nssh_genkeytypes: [dsa2]\n');
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('dsa2');
  });

  test('refuses a private key readable by group or others, and malformed write_files fields', () => {
    const file = { path: '/etc/ssl/private/site.key', content: KEY, owner: 'root:root', permissions: '0644' };
    expect(() => renderCloudConfig({ write_files: [file] })).toThrow(
      "Refusing permissions 0644 for the private key /etc/ssl/private/site.key: use '0600' or '0400'",
    );
    expect(() =>
      renderCloudConfig({
        write_files: [{ ...file, path: '/srv/x', content: new Secret(KEY), permissions: '0640' }],
      }),
    ).toThrow(ConfigurationError);
    expect(renderCloudConfig({ write_files: [{ ...file, permissions: '0600' }] })).toContain(
      'permissions: "0600"',
    );
    expect(() => renderCloudConfig({ write_files: [{ ...file, permissions: '644' }] })).toThrow(
      ConfigurationError,
    );
    expect(() => renderCloudConfig({ write_files: [{ ...file, permissions: 'rw' }] })).toThrow(
      /use octal text/,
    );
    expect(() => renderCloudConfig({ write_files: [{ ...file, path: 'relative' }] })).toThrow(
      /absolute path/,
    );
    expect(() => renderCloudConfig({ write_files: [{ ...file, owner: 'root root' }] })).toThrow(
      /'user:group'/,
    );
  });
});

describe('toWriteFiles', () => {
  test('turns numeric modes into four-digit octal text and defaults the owner to root', () => {
    expect(
      toWriteFiles([
        { path: '/a', mode: 0o600, content: 'x' },
        { path: '/b', mode: 0o4755, content: 'y', owner: 'indico:indico' },
      ]),
    ).toEqual([
      { path: '/a', content: 'x', owner: 'root:root', permissions: '0600' },
      { path: '/b', content: 'y', owner: 'indico:indico', permissions: '04755' },
    ]);
  });
});

describe('mergeCloudConfig and parseCloudConfig', () => {
  const base: CloudConfig = {
    users: [{ name: 'build' }],
    ssh_pwauth: false,
    apt: { conf: 'A "1";\n' },
    runcmd: ['first'],
  };

  test('mappings merge, lists append, scalars from the extra win', () => {
    const extra = parseCloudConfig(
      '#cloud-config\nusers: [{name: other}]\napt: {http_proxy: "http://127.0.0.1:3142"}\nruncmd: [second]\ntimezone: UTC\n',
      'test input',
    );
    expect(mergeCloudConfig(base, extra, ['ssh_pwauth'])).toEqual({
      users: [{ name: 'build' }, { name: 'other' }],
      ssh_pwauth: false,
      apt: { conf: 'A "1";\n', http_proxy: 'http://127.0.0.1:3142' },
      runcmd: ['first', 'second'],
      timezone: 'UTC',
    });
  });

  test('an owned key may be repeated but not changed', () => {
    expect(mergeCloudConfig(base, { ssh_pwauth: false }, ['ssh_pwauth']).ssh_pwauth).toBe(false);
    expect(() => mergeCloudConfig(base, { ssh_pwauth: true }, ['ssh_pwauth'])).toThrow(
      "The extra cloud-config may not set 'ssh_pwauth'",
    );
  });

  test('refuses YAML that is not a mapping, naming the source', () => {
    expect(() => parseCloudConfig('- a\n- b\n', 'input extra-cloud-config')).toThrow(
      'Invalid cloud-config in input extra-cloud-config: expected a mapping of cloud-config keys.',
    );
    expect(() => parseCloudConfig('a: [b\n', 'indicovm.yml')).toThrow(
      /Invalid cloud-config in indicovm.yml: not valid YAML/,
    );
    expect(parseCloudConfig('#cloud-config\n', 'x')).toEqual({});
  });
});
