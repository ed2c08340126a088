import { describe, expect, test } from '@jest/globals';
import { keypairName } from '../../../shared/deploy/boot.js';
import { checkDeployOptions, deploy } from '../../../shared/deploy/deploy.js';
import { ConfigurationError } from '../../../shared/errors.js';
import { deployOptions } from '../../support/deploy-options.js';
import { silentReporter } from '../../support/recording-reporter.js';

describe('options across each other', () => {
  test('exactly one thing to boot', () => {
    expect(() => checkDeployOptions(deployOptions())).toThrow("What to boot: set one of 'image-path'");
    expect(() =>
      checkDeployOptions(deployOptions({ 'image-path': 'a.qcow2', 'source-image': 'debian' })),
    ).toThrow("set only one of 'image-path', 'image-artifact', 'source-image'");
  });

  test('key-name and public-key exclude each other; floating IPs need a network', () => {
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPBbyL7F9mfvxqfmlAOcqj3bsOHpAQxvDfz5xjykiKGt x';
    expect(() =>
      checkDeployOptions(deployOptions({ 'image-path': 'a', 'key-name': 'k', 'public-key': key })),
    ).toThrow("Set only one of 'key-name'");
    expect(() =>
      checkDeployOptions(
        deployOptions({ 'image-path': 'a', network: 'none', 'floating-ip-network': 'public' }),
      ),
    ).toThrow("'floating-ip-network' needs a network port");
  });

  test('volume-type without boot-volume-size is refused by name; the size is a whole number of GiB', () => {
    expect(() => checkDeployOptions(deployOptions({ 'image-path': 'a', 'volume-type': 'ssd' }))).toThrow(
      "Option 'volume-type' applies to the boot volume: set 'boot-volume-size' (GiB) to boot from one.",
    );
    expect(() =>
      checkDeployOptions(
        deployOptions({ 'image-path': 'a', 'volume-type': 'ssd', 'boot-volume-size': '20' }),
      ),
    ).not.toThrow();
    expect(() => deployOptions({ 'boot-volume-size': '0' })).toThrow(/boot-volume-size.*from 1 to 1000000/);
  });

  test('image-artifact outside a workflow is a configuration error before any login', async () => {
    const error = await deploy(deployOptions({ 'image-artifact': 'indico-image' }), silentReporter).catch(
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
