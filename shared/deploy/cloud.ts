/**
 * The cloud as a deployment sees it: the calls deploy(), its preflight, its boot and its undoers make,
 * and nothing else. The real one is OpenStack through one logged-in session; the unit tests pass an
 * in-memory one (test/support/fake-cloud.ts) to check the sequencing and the undo on failure.
 */
import { OpenStackSession, type SessionOptions } from '../openstack/auth.js';
import type { AuthSettings } from '../openstack/auth-settings.js';
import { Cinder } from '../openstack/cinder.js';
import { Glance } from '../openstack/glance.js';
import { Neutron } from '../openstack/neutron.js';
import { Nova } from '../openstack/nova.js';

export type DeployGlance = Pick<
  Glance,
  'resolve' | 'uploadImage' | 'findByHash' | 'listByPrefix' | 'deleteIfExists'
>;

export type DeployNova = Pick<
  Nova,
  | 'resolveFlavor'
  | 'resolveNetworks'
  | 'keypairExists'
  | 'findServersByName'
  | 'createKeypair'
  | 'deleteKeypair'
  | 'createServer'
  | 'waitActive'
  | 'getServer'
  | 'findServer'
  | 'deleteServerAndWait'
  | 'consoleOutput'
>;

export type DeployNeutron = Pick<Neutron, 'findNetwork' | 'attachFloatingIp' | 'deleteFloatingIp'>;

export type DeployCinder = Pick<Cinder, 'deleteVolumeAndWait'>;

export interface DeployCloud {
  /** The project the token is scoped to; keep-images only ever deletes its images. */
  readonly projectId: string | undefined;
  /** The catalog interface the endpoints come from (public, internal, admin), for messages. */
  readonly endpointInterface: string;
  readonly glance: DeployGlance;
  readonly nova: DeployNova;
  /** Undefined when the catalog has no network endpoint: no floating IPs then. */
  readonly neutron: DeployNeutron | undefined;
  /** Undefined when the catalog has no block-storage endpoint: no boot volumes then. */
  readonly cinder: DeployCinder | undefined;
}

/** Logs in and returns the cloud; the deployment calls it once, after its local checks. */
export type OpenCloud = (settings: AuthSettings, options: SessionOptions) => Promise<DeployCloud>;

/** The services of one logged-in OpenStack session. */
export function openStackCloud(session: OpenStackSession): DeployCloud {
  return {
    projectId: session.projectId,
    endpointInterface: session.auth.interface,
    glance: new Glance(session),
    nova: new Nova(session),
    neutron: Neutron.available(session) ? new Neutron(session) : undefined,
    cinder: Cinder.available(session) ? new Cinder(session) : undefined,
  };
}

export const openOpenStack: OpenCloud = async (settings, options) =>
  openStackCloud(await OpenStackSession.open(settings, options));
