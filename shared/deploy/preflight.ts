import { ConfigurationError } from '../errors.js';
import type { GlanceImage } from '../openstack/glance.js';
import type { NeutronNetwork } from '../openstack/neutron.js';
import type { Flavor, NetworkRequest, Server } from '../openstack/nova.js';
import type { DeployCloud } from './cloud.js';

export interface Preflight {
  readonly flavor: Flavor;
  readonly networks: NetworkRequest;
  readonly sourceImage?: GlanceImage;
  readonly floatingNetwork?: NeutronNetwork;
  /** Servers that already have the name: replaced with replace, else left (and warned about). */
  readonly sameName: readonly Server[];
}

export interface PreflightInput {
  readonly flavor: string;
  readonly network: readonly string[];
  readonly sourceImage?: string;
  readonly keyName?: string;
  readonly floatingIpNetwork?: string;
  readonly serverName: string;
  readonly bootVolumeSize?: number;
}

/**
 * Everything that can be found wrong before anything is created: an unknown flavor, network, key pair,
 * source image or external network fails here, and nothing has to be cleaned up.
 */
export async function preflight(cloud: DeployCloud, input: PreflightInput): Promise<Preflight> {
  const { nova, glance, neutron } = cloud;
  const flavor = await nova.resolveFlavor(input.flavor);
  if (flavor.disk === 0 && input.bootVolumeSize === undefined) {
    // Nova refuses it with "Only volume-backed servers are allowed for flavors with zero disk", but
    // only once the image is uploaded.
    throw new ConfigurationError(
      `Option 'flavor': flavor '${flavor.name}' has no root disk (disk 0), so Nova boots it from a volume only: ` +
        "set 'boot-volume-size' (GiB) to boot from a new volume made from the image.",
    );
  }
  if (input.bootVolumeSize !== undefined && !cloud.cinder) {
    throw new ConfigurationError(
      `Option 'boot-volume-size' needs block storage, but this cloud has no ${cloud.endpointInterface} block-storage (Cinder) endpoint in its catalog: leave it empty and pick a flavor with a disk.`,
    );
  }
  const networks = await nova.resolveNetworks(input.network);
  if (input.keyName) {
    if (!(await nova.keypairExists(input.keyName))) {
      throw new ConfigurationError(
        `Option 'key-name': key pair '${input.keyName}' does not exist in this project; register it, or give 'public-key' instead.`,
      );
    }
  }
  let sourceImage: GlanceImage | undefined;
  if (input.sourceImage) {
    sourceImage = await glance.resolve(input.sourceImage);
    if (sourceImage.status !== 'active') {
      throw new ConfigurationError(
        `Option 'source-image': image '${input.sourceImage}' is ${sourceImage.status}, not active.`,
      );
    }
  }
  let floatingNetwork: NeutronNetwork | undefined;
  if (input.floatingIpNetwork) {
    if (!neutron) {
      throw new ConfigurationError(
        `Option 'floating-ip-network' is set, but this cloud has no network (Neutron) endpoint in its catalog, so there are no floating IPs: leave it empty and use the server's fixed address.`,
      );
    }
    floatingNetwork = await neutron.findNetwork(input.floatingIpNetwork);
  }
  const sameName = await nova.findServersByName(input.serverName);
  return { flavor, networks, sourceImage, floatingNetwork, sameName };
}
