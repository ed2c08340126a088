import { describe, expect, it } from '@jest/globals';
import { parseConsoleHostKeys } from '../../../shared/openstack/console-host-keys.js';

const ECDSA =
  'AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBD8inVATJh2sTlGB1euaEwaY1M8oIq8aJL3UnpaCirQLVbt8NC8smwIp8AD0gPTxvEC1k8uQSCh67CWy6Kuk4ac=';
const ED25519 = 'AAAAC3NzaC1lZDI1NTE5AAAAIPBbyL7F9mfvxqfmlAOcqj3bsOHpAQxvDfz5xjykiKGt';
const RSA =
  'AAAAB3NzaC1yc2EAAAADAQABAAAAgQCoS49XgLqq6R/FMLIYbBErNEwgNEQpBNsiUvlUfuWQo9Kv+jihJKm3HkEEvplL++1MvipZTdNv1zDflNCKOEb3ZkZg80ILsDx67xdvnxuM8MOmJxEDHD/4bND5MrWaIjKu1bLo6AmKGxSvYe9DIOrThjeB8aKByI6hVlCfEGymcQ==';

// What a Debian 12 cloud image prints on ttyS0 at first boot (cloud-init 22.4): the fingerprints go
// through logger with a syslog prefix, the keys are echoed plainly, and the kernel interleaves.
const FIRST_BOOT = [
  '[    0.000000] Linux version 6.1.0-18-cloud-amd64 (debian-kernel@lists.debian.org)',
  '[  OK  ] Started cloud-final.service - Execute cloud user/final scripts.',
  '<14>Mar  3 10:12:01 cloud-init: #############################################################',
  '<14>Mar  3 10:12:01 cloud-init: -----BEGIN SSH HOST KEY FINGERPRINTS-----',
  '<14>Mar  3 10:12:01 cloud-init: 256 SHA256:ELpiprZAJGbfUD+ThFMDPICD4P4s0GITo8zvE3pispc root@indico (ECDSA)',
  '<14>Mar  3 10:12:01 cloud-init: 256 SHA256:73iUD6oQpWF0ZiJvagvx7YSflk0DyyQ3MaMHu0BIv9w root@indico (ED25519)',
  '<14>Mar  3 10:12:01 cloud-init: -----END SSH HOST KEY FINGERPRINTS-----',
  '<14>Mar  3 10:12:01 cloud-init: #############################################################',
  '-----BEGIN SSH HOST KEY KEYS-----',
  `ecdsa-sha2-nistp256 ${ECDSA} root@indico`,
  '[   14.201337] random: crng init done',
  `ssh-ed25519 ${ED25519} root@indico`,
  `ssh-rsa ${RSA} root@indico`,
  '-----END SSH HOST KEY KEYS-----',
  'Cloud-init v. 22.4.2 finished at Sun, 03 Mar 2024 10:12:01 +0000. Datasource DataSourceNoCloud.  Up 14.52 seconds',
  '',
  'Debian GNU/Linux 12 indico ttyS0',
  'indico login: ',
].join('\r\n');

describe('parseConsoleHostKeys', () => {
  it('reads every key of the block despite CRs, prefixes and interleaved kernel lines', () => {
    const keys = parseConsoleHostKeys(FIRST_BOOT);
    expect(keys.map((key) => key.line)).toEqual([
      `ecdsa-sha2-nistp256 ${ECDSA}`,
      `ssh-ed25519 ${ED25519}`,
      `ssh-rsa ${RSA}`,
    ]);
    expect(keys.map((key) => key.type)).toEqual(['ecdsa-sha2-nistp256', 'ssh-ed25519', 'ssh-rsa']);
  });

  it('finds keys behind a timestamp or syslog prefix', () => {
    const text = [
      '[   12.000000] cloud-init[901]: -----BEGIN SSH HOST KEY KEYS-----',
      `[   12.000001] cloud-init[901]: ssh-ed25519 ${ED25519} root@indico`,
      '[   12.000002] cloud-init[901]: -----END SSH HOST KEY KEYS-----',
    ].join('\n');
    expect(parseConsoleHostKeys(text)).toEqual([
      { type: 'ssh-ed25519', key: ED25519, line: `ssh-ed25519 ${ED25519}` },
    ]);
  });

  it('takes the first complete block and ignores a block cut off at the end', () => {
    const rebooted = [
      '-----BEGIN SSH HOST KEY KEYS-----',
      `ssh-ed25519 ${ED25519} root@indico`,
      '-----END SSH HOST KEY KEYS-----',
      '[    0.000000] Linux version 6.1.0',
      '-----BEGIN SSH HOST KEY KEYS-----',
      `ssh-rsa ${RSA} root@truncated`,
    ].join('\n');
    expect(parseConsoleHostKeys(rebooted).map((key) => key.type)).toEqual(['ssh-ed25519']);
  });

  it('drops a key split by interleaved output and a blob of the wrong type', () => {
    const text = [
      '-----BEGIN SSH HOST KEY KEYS-----',
      `ssh-rsa ${RSA.slice(0, 60)}[   14.2] random: crng init done`,
      `ssh-rsa ${ED25519} root@indico`,
      `ssh-ed25519 ${ED25519} root@indico`,
      '-----END SSH HOST KEY KEYS-----',
    ].join('\n');
    expect(parseConsoleHostKeys(text).map((key) => key.line)).toEqual([`ssh-ed25519 ${ED25519}`]);
  });

  it('returns nothing for the fake driver console or an empty log', () => {
    expect(parseConsoleHostKeys('FAKE CONSOLE OUTPUT\nANOTHER\nLAST LINE')).toEqual([]);
    expect(parseConsoleHostKeys('')).toEqual([]);
  });
});
