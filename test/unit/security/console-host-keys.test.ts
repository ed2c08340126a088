/**
 * The host keys that deploy pins come from the first block cloud-init prints on the console. A guest
 * that prints a block of its own later (any process can write to /dev/console or ttyS0) must not be
 * able to replace them: the console is read through the real client from a Nova that serves what
 * such a guest wrote.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateEd25519KeyPair } from '../../../shared/cloudinit/keys.js';
import { readHostKeys } from '../../../shared/deploy/host-keys.js';
import { OpenStackSession } from '../../../shared/openstack/auth.js';
import { ConflictingHostKeys, parseConsoleHostKeys } from '../../../shared/openstack/console-host-keys.js';
import { Nova } from '../../../shared/openstack/nova.js';
import { FakeOpenStack } from '../../support/fake-openstack.js';
import { fakeLoginSettings } from '../../support/fake-openstack-login.js';
import { RecordingReporter } from '../../support/recording-reporter.js';
import { useTempDir } from '../../support/temp-dir.js';

const genuine = generateEd25519KeyPair('root@indico');
const forged = generateEd25519KeyPair('root@indico');
const keyLine = (publicKey: string): string => publicKey.split(' ').slice(0, 2).join(' ');

function block(publicKey: string, prefix = ''): string[] {
  return [
    `${prefix}-----BEGIN SSH HOST KEY KEYS-----`,
    `${prefix}${publicKey}`,
    `${prefix}-----END SSH HOST KEY KEYS-----`,
  ];
}

const CLOUD_INIT = [
  '[    0.000000] Linux version 6.1.0-18-cloud-amd64',
  ...block(genuine.publicKey),
  'Cloud-init v. 22.4.2 finished at Sun, 03 Mar 2024 10:12:01 +0000. Datasource DataSourceNoCloud.',
];
const FORGED_LATER = [...CLOUD_INIT, 'indico login: ', ...block(forged.publicKey, '[  120.5] ')];

describe('the console host-key reader', () => {
  it('takes the first block, and the same block again after a reboot', () => {
    const rebooted = [...CLOUD_INIT, '[    0.000000] Linux version 6.1.0', ...block(genuine.publicKey)];
    expect(parseConsoleHostKeys(rebooted.join('\r\n')).map((key) => key.line)).toEqual([
      keyLine(genuine.publicKey),
    ]);
  });

  it('refuses a later block with other keys, naming both fingerprints', () => {
    const read = () => parseConsoleHostKeys(FORGED_LATER.join('\r\n'));
    expect(read).toThrow(ConflictingHostKeys);
    expect(read).toThrow(genuine.fingerprint);
    expect(read).toThrow(forged.fingerprint);
  });

  it('is not fooled by a forged block printed before cloud-init gets there and never repeated', () => {
    // Without a closing line the forged block is no block at all.
    const text = [`ssh-ed25519 ${keyLine(forged.publicKey)}`, ...CLOUD_INIT].join('\n');
    expect(parseConsoleHostKeys(text).map((key) => key.line)).toEqual([keyLine(genuine.publicKey)]);
  });
});

describe('deploy reading the console from Nova', () => {
  let fake: FakeOpenStack;
  const dir = useTempDir('indicovm-console-');
  let nova: Nova;
  const reporter = new RecordingReporter();

  beforeAll(async () => {
    fake = await FakeOpenStack.start();
    const session = await OpenStackSession.open(fakeLoginSettings(fake), {
      reporter,
      cloudsYaml: { env: {}, cwd: dir() },
    });
    nova = new Nova(session);
  });

  afterAll(async () => {
    await fake.close();
  });

  const read = () => readHostKeys(nova, 'srv-1', { timeoutMs: 3_000, pollMs: 50, reporter });

  it("pins cloud-init's keys", async () => {
    fake.consoleOutput = CLOUD_INIT.join('\r\n');
    await expect(read()).resolves.toEqual([keyLine(genuine.publicKey)]);
  });

  it('fails, naming the server, when the guest printed other keys later', async () => {
    fake.consoleOutput = FORGED_LATER.join('\r\n');
    await expect(read()).rejects.toThrow(
      /^Server srv-1: the console shows two different SSH host-key blocks/,
    );
  });
});
