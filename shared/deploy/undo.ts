import { rm } from 'node:fs/promises';
import type { CreatedResource, Undo } from '../cleanup/ledger.js';
import type { OpenStackSession } from '../openstack/auth.js';
import { Glance } from '../openstack/glance.js';
import { Neutron } from '../openstack/neutron.js';
import { attachedVolumes, Nova } from '../openstack/nova.js';
import { Cinder } from '../openstack/cinder.js';
import type { WaitOptions } from '../wait.js';

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
 * How to remove each kind the deploy records. The session is opened on first use only, so a post step
 * with nothing to undo never logs in. A server is deleted and waited for before its key pair and image
 * go (the ledger undoes in reverse order of creation), and anything already gone counts as removed.
 */
export function deployUndoers(
  session: () => Promise<OpenStackSession>,
  wait: Partial<WaitOptions> = {},
): Record<string, Undo> {
  return {
    [KIND.floatingIp]: async (resource: CreatedResource) => {
      await new Neutron(await session()).deleteFloatingIp(resource.id);
    },
    [KIND.server]: async (resource: CreatedResource) => {
      const nova = new Nova(await session());
      const kept = resource.detail?.[KEPT_VOLUMES]
        ? attachedVolumes(await nova.findServer(resource.id)).filter((volume) => !volume.deleteOnTermination)
        : [];
      await nova.deleteServerAndWait(resource.id, { pollMs: 1000, ...wait });
      for (const volume of kept) {
        await new Cinder(await session()).deleteVolumeAndWait(volume.id, wait);
      }
    },
    [KIND.keypair]: async (resource: CreatedResource) => {
      await new Nova(await session()).deleteKeypair(resource.id);
    },
    [KIND.image]: async (resource: CreatedResource) => {
      await new Glance(await session()).deleteIfExists(resource.id);
    },
    [KIND.userDataFile]: async (resource: CreatedResource) => {
      await rm(resource.id, { force: true });
    },
  };
}

/** Opens a session once, however many undoers ask for it. */
export function lazySession(open: () => Promise<OpenStackSession>): () => Promise<OpenStackSession> {
  let session: Promise<OpenStackSession> | undefined;
  return () => {
    session ??= open().catch((error: unknown) => {
      session = undefined;
      throw error;
    });
    return session;
  };
}
