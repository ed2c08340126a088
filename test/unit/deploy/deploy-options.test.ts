import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keypairName } from '../../../shared/deploy/boot.js';
import { checkDeployOptions, deploy, type DeployOptions } from '../../../shared/deploy/deploy.js';
import { ConfigurationError } from '../../../shared/errors.js';
import { deployCommand } from '../../../shared/options/commands.js';
import { resolveOptions } from '../../../shared/options/resolve.js';
import { silentReporter } from '../../support/recording-reporter.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'deploy-unit-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function options(explicit: Record<string, string>): DeployOptions {
  return resolveOptions(deployCommand, { explicit, explicitKind: 'flag', env: {} }).values;
}

const base = { 'auth-url': 'http://127.0.0.1:1/v3', flavor: 'm1.tiny', 'server-name': 'indico' };

describe('options across each other', () => {
  test('exactly one thing to boot', () => {
    expect(() => checkDeployOptions(options(base))).toThrow("What to boot: set one of 'image-path'");
    expect(() =>
      checkDeployOptions(options({ ...base, 'image-path': 'a.qcow2', 'source-image': 'debian' })),
    ).toThrow("set only one of 'image-path', 'image-artifact', 'source-image'");
  });

  test('key-name and public-key exclude each other; floating IPs need a network', () => {
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPBbyL7F9mfvxqfmlAOcqj3bsOHpAQxvDfz5xjykiKGt x';
    expect(() =>
      checkDeployOptions(options({ ...base, 'image-path': 'a', 'key-name': 'k', 'public-key': key })),
    ).toThrow("Set only one of 'key-name'");
    expect(() =>
      checkDeployOptions(
        options({ ...base, 'image-path': 'a', network: 'none', 'floating-ip-network': 'public' }),
      ),
    ).toThrow("'floating-ip-network' needs a network port");
  });

  test('volume-type without boot-volume-size is refused by name; the size is a whole number of GiB', () => {
    expect(() => checkDeployOptions(options({ ...base, 'image-path': 'a', 'volume-type': 'ssd' }))).toThrow(
      "Option 'volume-type' applies to the boot volume: set 'boot-volume-size' (GiB) to boot from one.",
    );
    expect(() =>
      checkDeployOptions(
        options({ ...base, 'image-path': 'a', 'volume-type': 'ssd', 'boot-volume-size': '20' }),
      ),
    ).not.toThrow();
    expect(() => options({ ...base, 'boot-volume-size': '0' })).toThrow(
      /boot-volume-size.*from 1 to 1000000/,
    );
  });

  test('image-artifact outside a workflow is a configuration error before any login', async () => {
    const error = await deploy(options({ ...base, 'image-artifact': 'indico-image' }), silentReporter).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain('works in action-deploy only');
    expect((error as Error).message).toContain("'image-path'");
  });

  test('registered key pairs are named after the server', () => {
    expect(keypairName('indico', '0a1b2c3d')).toBe('indicovm-indico-0a1b2c3d');
  });
});
