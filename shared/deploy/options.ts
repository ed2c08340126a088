import { ConfigurationError } from '../errors.js';
import type { GlanceImage } from '../openstack/glance.js';
import type { deployCommand } from '../options/commands.js';
import type { Values } from '../options/kinds.js';
import { requireOne, requireSet } from '../options/resolve.js';

export type DeployOptions = Values<typeof deployCommand.options>;

/** The checks across options that no single option's kind can make; they run before anything is made. */
export function checkDeployOptions(options: DeployOptions): void {
  requireOne(options, ['imagePath', 'imageArtifact', 'sourceImage'], 'What to boot');
  requireSet(options, 'flavor', 'the Nova flavor to boot with');
  requireSet(options, 'serverName', 'the name of the Nova server');
  if (!options.cloud && !options.authUrl) {
    throw new ConfigurationError(
      "No OpenStack credentials: set 'cloud' (a clouds.yaml entry) or 'auth-url' with a user or an application credential (or the OS_* environment).",
    );
  }
  if (options.keyName && options.publicKey) {
    throw new ConfigurationError(
      "Set only one of 'key-name' (an existing key pair) and 'public-key' (register a new one).",
    );
  }
  const special = options.network.filter((n) => n === 'auto' || n === 'none');
  if (special.length > 0 && options.network.length > 1) {
    throw new ConfigurationError(`Option 'network': '${special[0]}' cannot be combined with other networks.`);
  }
  if (options.volumeType !== undefined && options.bootVolumeSize === undefined) {
    throw new ConfigurationError(
      "Option 'volume-type' applies to the boot volume: set 'boot-volume-size' (GiB) to boot from one.",
    );
  }
  if (options.floatingIpNetwork && options.network.includes('none')) {
    throw new ConfigurationError(
      "Option 'floating-ip-network' needs a network port on the server, but 'network' is none.",
    );
  }
}

const GIB = 1024 ** 3;

/**
 * Cinder fails a volume smaller than the image only once Nova has asked for it, and the server goes to
 * ERROR with a message about the volume: say it here, naming the option.
 */
export function checkBootVolumeFits(image: GlanceImage, sizeGiB: number): void {
  const needed = Math.max(Math.ceil((image.virtual_size ?? image.size ?? 0) / GIB), image.min_disk ?? 0);
  if (needed > sizeGiB) {
    throw new ConfigurationError(
      `Option 'boot-volume-size': the image needs ${needed} GiB (its virtual size or min_disk), more than the ${sizeGiB} GiB asked for.`,
    );
  }
}
