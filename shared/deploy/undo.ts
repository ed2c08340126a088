import { rm } from 'node:fs/promises';
import type { CreatedResource, Undo } from '../cleanup/ledger.js';
import { ConfigurationError } from '../errors.js';
import { attachedVolumes } from '../openstack/nova.js';
import type { WaitOptions } from '../wait.js';
import type { DeployCloud } from './cloud.js';

/** The ledger kinds a deployment records, in the words the post step and the summary use. */
export const KIND = {
  image: 'glance-image',
  server: 'nova-server',
  keypair: 'nova-keypair',
  floatingIp: 'floating-ip',
  userDataFile: 'user-data-file',
} as const;

/** Marks a server whose boot volume Nova keeps (delete-on-termination false): its undo deletes it. */
export const KEPT_VOLUMES = 'keptBootVolumes';

/**
 * How to remove each kind the deploy records. The cloud is logged in to on first use only, so a post step
 * with nothing to undo never logs in. A server is deleted and waited for before its key pair and image
 * go (the ledger undoes in reverse order of creation), and anything already gone counts as removed.
 */
export function deployUndoers(
  cloud: () => Promise<DeployCloud>,
  wait: Partial<WaitOptions> = {},
): Record<string, Undo> {
  return {
    [KIND.floatingIp]: async (resource: CreatedResource) => {
      const { neutron } = await cloud();
      if (!neutron)
        throw new ConfigurationError('the cloud has no network (Neutron) endpoint in its catalog');
      await neutron.deleteFloatingIp(resource.id);
    },
    [KIND.server]: async (resource: CreatedResource) => {
      const { nova, cinder } = await cloud();
      const kept = resource.detail?.[KEPT_VOLUMES]
        ? attachedVolumes(await nova.findServer(resource.id)).filter((volume) => !volume.deleteOnTermination)
        : [];
      await nova.deleteServerAndWait(resource.id, { pollMs: 1000, ...wait });
      for (const volume of kept) {
        if (!cinder)
          throw new ConfigurationError(
            `cannot delete volume ${volume.id}: the cloud has no block-storage endpoint`,
          );
        await cinder.deleteVolumeAndWait(volume.id, wait);
      }
    },
    [KIND.keypair]: async (resource: CreatedResource) => {
      await (await cloud()).nova.deleteKeypair(resource.id);
    },
    [KIND.image]: async (resource: CreatedResource) => {
      await (await cloud()).glance.deleteIfExists(resource.id);
    },
    [KIND.userDataFile]: async (resource: CreatedResource) => {
      await rm(resource.id, { force: true });
    },
  };
}

/** Logs in once, however many undoers ask for the cloud. */
export function lazyCloud(open: () => Promise<DeployCloud>): () => Promise<DeployCloud> {
  let cloud: Promise<DeployCloud> | undefined;
  return () => {
    cloud ??= open().catch((error: unknown) => {
      cloud = undefined;
      throw error;
    });
    return cloud;
  };
}
