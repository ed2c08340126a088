import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { ConfigurationError } from '../../../shared/errors.js';
import { renderNoCloudSeed, type NoCloudSeed } from '../../../shared/cloudinit/seed.js';
import { cloudInitSchema, pyYaml, readTool, readToolBytes, scratchDir } from './tools.js';

const scratch = scratchDir('seed');
afterAll(() => scratch.remove());

interface UserData {
  users: Record<string, unknown>[];
  ssh_keys: { ed25519_private: string; ed25519_public: string };
  [key: string]: unknown;
}

describe('renderNoCloudSeed', () => {
  let seed: NoCloudSeed;
  let iso: string;
  let userData: UserData;
  beforeAll(() => {
    seed = renderNoCloudSeed({
      hostname: 'indico-build',
      buildUser: 'indicovm',
      extraCloudConfig: '#cloud-config\npackages: [curl]\nruncmd: [[touch, /run/extra-ran]]\n',
      networkConfig: { version: 2, ethernets: { eth0: { match: { name: 'e*' }, dhcp4: true } } },
    });
    iso = scratch.file('seed.iso');
    writeFileSync(iso, seed.iso);
    userData = pyYaml(seed.userData.reveal()) as UserData;
  });

  test('the ISO is a cidata volume holding exactly meta-data, user-data and network-config', () => {
    expect(readTool('blkid', ['-p', '-o', 'export', iso])).toMatch(/^LABEL=cidata$/m);
    expect(readTool('bsdtar', ['-tf', iso]).split('\n').filter(Boolean).sort()).toEqual([
      '.',
      'meta-data',
      'network-config',
      'user-data',
    ]);
    expect(readToolBytes('isoinfo', ['-R', '-x', '/user-data', '-i', iso]).toString()).toBe(
      seed.userData.reveal(),
    );
    expect(readToolBytes('isoinfo', ['-J', '-x', '/meta-data', '-i', iso]).toString()).toBe(seed.metaData);
    expect(readToolBytes('bsdtar', ['-xOf', iso, 'network-config']).toString()).toBe(seed.networkConfig);
  });

  test("cloud-init's NoCloud reader loads the files extracted from the ISO", () => {
    const dir = scratchDir('seed-files');
    try {
      readTool('bsdtar', ['-xf', iso, '-C', dir.dir]);
      const script = [
        'import json, sys',
        'from cloudinit import util',
        'md, ud, vd = util.read_seeded(base=sys.argv[1] + "/")',
        'print(json.dumps({"md": md, "ud": ud.decode()}))',
      ].join('\n');
      const read = JSON.parse(readTool('python3', ['-c', script, dir.dir]));
      expect(read.md).toEqual({ 'instance-id': seed.instanceId, 'local-hostname': 'indico-build' });
      expect(read.ud).toBe(seed.userData.reveal());
    } finally {
      dir.remove();
    }
  });

  test('meta-data has a random iid-indicovm instance id and the hostname', () => {
    expect(seed.instanceId).toMatch(/^iid-indicovm-[0-9a-f]{16}$/);
    expect(pyYaml(seed.metaData)).toEqual({
      'instance-id': seed.instanceId,
      'local-hostname': 'indico-build',
    });
    expect(renderNoCloudSeed({ hostname: 'h', buildUser: 'u' }).instanceId).not.toBe(seed.instanceId);
  });

  test("user-data is #cloud-config that cloud-init's schema accepts", () => {
    expect(seed.userData.reveal().startsWith('#cloud-config\n')).toBe(true);
    const result = cloudInitSchema(seed.userData.reveal());
    expect(result.stdout).toContain('Valid cloud-config');
    expect(result.status).toBe(0);
  });

  test('the build user has passwordless sudo, bash, the build key and a SHA-512 hash of the password', () => {
    expect(userData.users).toHaveLength(1);
    const [user] = userData.users;
    expect(user).toMatchObject({
      name: 'indicovm',
      sudo: 'ALL=(ALL) NOPASSWD:ALL',
      shell: '/bin/bash',
      lock_passwd: false,
      ssh_authorized_keys: [seed.buildKey.publicKey],
    });
    const hash = user!.passwd as string;
    const salt = /^\$6\$([./0-9A-Za-z]{16})\$/.exec(hash)![1]!;
    expect(readTool('openssl', ['passwd', '-6', '-salt', salt, seed.password.reveal()]).trim()).toBe(hash);
  });

  test('SSH: no passwords, no root, and our host key as the only one', () => {
    expect(userData).toMatchObject({
      ssh_pwauth: false,
      disable_root: true,
      ssh_deletekeys: true,
      ssh_genkeytypes: ['ed25519'],
      ssh_keys: { ed25519_public: seed.hostKey.publicKey },
    });
    const keyFile = scratch.file('host_key');
    writeFileSync(keyFile, userData.ssh_keys.ed25519_private, { mode: 0o600 });
    const derived = readTool('ssh-keygen', ['-y', '-f', keyFile]).split(' ').slice(0, 2).join(' ');
    expect(seed.hostKey.publicKey.startsWith(`${derived} `)).toBe(true);
    writeFileSync(`${keyFile}.pub`, `${seed.hostKey.publicKey}\n`);
    expect(readTool('ssh-keygen', ['-lf', `${keyFile}.pub`]).split(' ')[1]).toBe(seed.hostKey.fingerprint);
  });

  test('the build key pair matches, and differs from the host key', () => {
    const keyFile = scratch.file('build_key');
    writeFileSync(keyFile, seed.buildKey.privateKey.reveal(), { mode: 0o600 });
    const derived = readTool('ssh-keygen', ['-y', '-f', keyFile]).split(' ').slice(0, 2).join(' ');
    expect(seed.buildKey.publicKey.startsWith(`${derived} `)).toBe(true);
    expect(seed.buildKey.publicKey).not.toBe(seed.hostKey.publicKey);
  });

  test('apt ignores expired Release files, and the extra cloud-config comes after ours', () => {
    expect(userData.apt).toEqual({ conf: 'Acquire::Check-Valid-Until "false";\n' });
    expect(userData.packages).toEqual(['curl']);
    expect(userData.runcmd).toEqual([['touch', '/run/extra-ran']]);
  });

  test('network-config is the given document', () => {
    expect(pyYaml(seed.networkConfig!)).toEqual({
      version: 2,
      ethernets: { eth0: { match: { name: 'e*' }, dhcp4: true } },
    });
  });

  test('no secret shows when the result is logged', () => {
    const printed = JSON.stringify(seed) + inspect(seed, { depth: 6 });
    for (const secret of [seed.hostKey.privateKey, seed.buildKey.privateKey, seed.password]) {
      expect(printed).not.toContain(secret.reveal().split('\n')[1] || secret.reveal());
    }
    expect(printed).not.toContain(seed.password.reveal());
    expect(printed).not.toContain(userData.users[0]!.passwd as string);
  });
});

describe('renderNoCloudSeed input rules', () => {
  test('without network-config the ISO holds only meta-data and user-data', () => {
    const seed = renderNoCloudSeed({ hostname: 'vm', buildUser: 'builder' });
    expect(seed.networkConfig).toBeUndefined();
    const iso = scratch.file('plain.iso');
    writeFileSync(iso, seed.iso);
    expect(readTool('isoinfo', ['-R', '-f', '-i', iso]).split('\n').filter(Boolean).sort()).toEqual([
      '/meta-data',
      '/user-data',
    ]);
  });

  test('extra cloud-config may not undo the SSH guarantees', () => {
    expect(() =>
      renderNoCloudSeed({ hostname: 'vm', buildUser: 'b', extraCloudConfig: 'ssh_pwauth: true\n' }),
    ).toThrow("The extra cloud-config may not set 'ssh_pwauth'");
    expect(() =>
      renderNoCloudSeed({ hostname: 'vm', buildUser: 'b', extraCloudConfig: { ssh_genkeytypes: ['rsa'] } }),
    ).toThrow(ConfigurationError);
  });

  test('bad hostnames, user names and network-config are refused with the rule', () => {
    expect(() => renderNoCloudSeed({ hostname: '-bad', buildUser: 'b' })).toThrow(/Invalid hostname "-bad"/);
    expect(() => renderNoCloudSeed({ hostname: 'vm', buildUser: 'root' })).toThrow(
      /Invalid build user "root"/,
    );
    expect(() => renderNoCloudSeed({ hostname: 'vm', buildUser: 'Has Space' })).toThrow(ConfigurationError);
    expect(() =>
      renderNoCloudSeed({ hostname: 'vm', buildUser: 'b', networkConfig: 'ethernets: {}\n' }),
    ).toThrow('Invalid network-config: it must say version: 1 or version: 2.');
  });
});
