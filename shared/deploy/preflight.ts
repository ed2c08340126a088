import { ConfigurationError } from '../errors.js';
import type { OpenStackSession } from '../openstack/auth.js';
import { Cinder } from '../openstack/cinder.js';
import type { Glance, GlanceImage } from '../openstack/glance.js';
import { OpenStackHttpError } from '../openstack/http.js';
import { Neutron, type NeutronNetwork } from '../openstack/neutron.js';
import type { Flavor, NetworkRequest, Nova, Server } from '../openstack/nova.js';

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

async function checkKeypair(session: OpenStackSession, name: string): Promise<void> {
  try {
    await session.request('compute', {
      method: 'GET',
      path: `/os-keypairs/${encodeURIComponent(name)}`,
      response: 'json',
    });
  } catch (error) {
    if (error instanceof OpenStackHttpError && error.status === 404) {
      throw new ConfigurationError(
        `Option 'key-name': key pair '${name}' does not exist in this project; register it, or give 'public-key' instead.`,
      );
    }
    throw error;
  }
}

/**
 * Everything that can be found wrong before anything is created: an unknown flavor, network, key pair,
 * source image or external network fails here, and nothing has to be cleaned up.
 */
export async function preflight(
  session: OpenStackSession,
  nova: Nova,
  glance: Glance,
  input: PreflightInput,
): Promise<Preflight> {
  const flavor = await nova.resolveFlavor(input.flavor);
  if (flavor.disk === 0 && input.bootVolumeSize === undefined) {
    // Nova refuses it with "Only volume-backed servers are allowed for flavors with zero disk", but
    // only once the image is uploaded.
    throw new ConfigurationError(
      `Option 'flavor': flavor '${flavor.name}' has no root disk (disk 0), so Nova boots it from a volume only: ` +
        "set 'boot-volume-size' (GiB) to boot from a new volume made from the image.",
    );
  }
  if (input.bootVolumeSize !== undefined && !Cinder.available(session)) {
    throw new ConfigurationError(
      `Option 'boot-volume-size' needs block storage, but this cloud has no ${session.auth.interface} block-storage (Cinder) endpoint in its catalog: leave it empty and pick a flavor with a disk.`,
    );
  }
  const networks = await nova.resolveNetworks(input.network);
  if (input.keyName) {
    await checkKeypair(session, input.keyName);
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
    if (!Neutron.available(session)) {
      throw new ConfigurationError(
        `Option 'floating-ip-network' is set, but this cloud has no network (Neutron) endpoint in its catalog, so there are no floating IPs: leave it empty and use the server's fixed address.`,
      );
    }
    floatingNetwork = await new Neutron(session).findNetwork(input.floatingIpNetwork);
  }
  const sameName = await nova.findServersByName(input.serverName);
  return { flavor, networks, sourceImage, floatingNetwork, sameName };
}
