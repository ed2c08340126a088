/*
 * Over 300 lines: the whole of Nova's API as this project uses it (flavors, networks, servers with
 * their boot volumes and user-data, key pairs, the console log), with the microversion negotiation every
 * call depends on; the helpers above the class are pure and tested on their own.
 */
import { CommandError, ConfigurationError } from '../errors.js';
import type { OpenStackSession } from './auth.js';
import { OpenStackHttpError, type HttpMethod } from './http.js';
import { Neutron } from './neutron.js';
import { reportStatus, waitFor, type WaitOptions } from '../wait.js';
import { isUuid } from './ids.js';

/** Nova v2.1: servers, flavors, key pairs and console output, at a negotiated microversion. */

/** The microversion this client is written against; lower clouds get their maximum. */
export const WANTED_MICROVERSION = '2.74';
/** Nova refuses user_data longer than this (base64 characters). */
export const MAX_USER_DATA_BASE64 = 65535;

export interface ServerAddress {
  readonly version: number;
  readonly addr: string;
  readonly 'OS-EXT-IPS:type'?: 'fixed' | 'floating' | string;
}

export interface Server {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly addresses?: Readonly<Record<string, readonly ServerAddress[]>>;
  readonly fault?: { code?: number; message?: string; details?: string };
  readonly metadata?: Record<string, string>;
  readonly key_name?: string | null;
  readonly 'OS-EXT-STS:task_state'?: string | null;
  readonly [field: string]: unknown;
}

export interface Flavor {
  readonly id: string;
  readonly name: string;
  /** Root disk in GiB; 0 means Nova boots this flavor from a volume only. */
  readonly disk?: number;
}

/** A boot volume Nova makes from the image (block_device_mapping_v2 source image → volume). */
export interface BootVolume {
  readonly sizeGiB: number;
  readonly volumeType?: string;
  readonly deleteOnTermination: boolean;
}

export type NetworkRequest = 'auto' | 'none' | readonly { uuid: string }[];

export interface CreateServerSpec {
  readonly name: string;
  readonly imageRef: string;
  readonly flavorRef: string;
  readonly networks: NetworkRequest;
  readonly securityGroups?: readonly string[];
  readonly keyName?: string;
  readonly availabilityZone?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly configDrive?: boolean;
  /** The user-data document; base64-encoded here. */
  readonly userData?: string | Buffer;
  /** Boot from a new volume made from imageRef instead of the flavor's disk. */
  readonly bootVolume?: BootVolume;
}

/** The volumes Nova lists for a server (os-extended-volumes), with whether they go with it. */
export function attachedVolumes(server: Server | undefined): { id: string; deleteOnTermination: boolean }[] {
  const listed = server?.['os-extended-volumes:volumes_attached'];
  if (!Array.isArray(listed)) return [];
  return listed
    .filter(
      (entry): entry is { id: string; delete_on_termination?: boolean } => typeof entry?.id === 'string',
    )
    .map((entry) => ({ id: entry.id, deleteOnTermination: entry.delete_on_termination !== false }));
}

/** "2.74" as a comparable pair. */
export function parseMicroversion(value: string): [number, number] | undefined {
  const match = /^(\d+)\.(\d+)$/.exec(value.trim());
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

export function compareMicroversions(a: string, b: string): number {
  const [am = 0, an = 0] = parseMicroversion(a) ?? [];
  const [bm = 0, bn = 0] = parseMicroversion(b) ?? [];
  return am - bm || an - bn;
}

/** The microversion to request: ours, or the cloud's maximum when that is lower; undefined for none. */
export function chooseMicroversion(wanted: string, cloudMax: string | undefined): string | undefined {
  if (!cloudMax || !parseMicroversion(cloudMax)) {
    return undefined;
  }
  return compareMicroversions(cloudMax, wanted) < 0 ? cloudMax : wanted;
}

export function encodeUserData(userData: string | Buffer): string {
  const encoded = Buffer.from(userData).toString('base64');
  if (encoded.length > MAX_USER_DATA_BASE64) {
    throw new ConfigurationError(
      `user-data is ${encoded.length} characters in base64, and Nova accepts at most ${MAX_USER_DATA_BASE64} ` +
        `(about 48 KiB before encoding): make it smaller, or gzip it (cloud-init reads gzipped user-data)`,
    );
  }
  return encoded;
}

/**
 * The address to SSH to: a floating IP, else a fixed IPv4, else a global IPv6 (link-local ones are
 * useless from outside). Undefined while the server has none.
 */
export function pickSshAddress(server: Pick<Server, 'addresses'>): string | undefined {
  const all = Object.values(server.addresses ?? {}).flat();
  const usable = all.filter((address) => !/^fe80:/i.test(address.addr));
  const floating = usable.find((address) => address['OS-EXT-IPS:type'] === 'floating');
  const fixed4 = usable.find((address) => address.version === 4);
  const any6 = usable.find((address) => address.version === 6);
  return (floating ?? fixed4 ?? any6)?.addr;
}

export class Nova {
  readonly #session: OpenStackSession;
  #microversion: Promise<string | undefined> | undefined;

  constructor(session: OpenStackSession) {
    this.#session = session;
  }

  /** The microversion in use, read once from the cloud's version document. */
  microversion(): Promise<string | undefined> {
    this.#microversion ??= this.#negotiate();
    return this.#microversion;
  }

  async #negotiate(): Promise<string | undefined> {
    let max: string | undefined;
    try {
      const response = await this.#session.request('compute', { method: 'GET', path: '/', response: 'json' });
      max = (response.body as { version?: { version?: string } } | undefined)?.version?.version;
    } catch (error) {
      if (!(error instanceof OpenStackHttpError) || error.status === undefined || error.status === 401) {
        throw error;
      }
    }
    const chosen = chooseMicroversion(WANTED_MICROVERSION, max);
    if (chosen !== WANTED_MICROVERSION) {
      this.#session.reporter.warning(
        `Nova offers microversions up to ${max || '2.1 (none)'}; using ${chosen ?? '2.1'} instead of ${WANTED_MICROVERSION}`,
      );
    }
    return chosen;
  }

  async #request<T>(
    method: HttpMethod,
    path: string,
    options: { json?: unknown; expect?: number[]; idempotent?: boolean } = {},
  ): Promise<T> {
    const version = await this.microversion();
    const response = await this.#session.request('compute', {
      method,
      path,
      json: options.json,
      expect: options.expect,
      idempotent: options.idempotent,
      headers: version ? { 'OpenStack-API-Version': `compute ${version}` } : {},
      response: 'json',
    });
    return response.body as T;
  }

  async #atLeast(version: string): Promise<boolean> {
    const current = await this.microversion();
    return current !== undefined && compareMicroversions(current, version) >= 0;
  }

  /** A flavor by ID or exact name. */
  async resolveFlavor(nameOrId: string): Promise<Flavor> {
    const { flavors } = await this.#request<{ flavors: Flavor[] }>('GET', '/flavors/detail?is_public=None');
    const byId = flavors.find((flavor) => flavor.id === nameOrId);
    if (byId) {
      return byId;
    }
    const named = flavors.filter((flavor) => flavor.name === nameOrId);
    if (named.length === 1) {
      return named[0] as Flavor;
    }
    if (named.length > 1) {
      throw new ConfigurationError(
        `flavor name '${nameOrId}' is ambiguous (${named.map((f) => f.id).join(', ')}); use an ID`,
      );
    }
    const known = flavors.map((flavor) => flavor.name).sort();
    throw new ConfigurationError(
      `flavor '${nameOrId}' was not found (by name or ID); available: ${known.join(', ') || 'none'}`,
    );
  }

  /**
   * Network options as Nova's `networks`: auto and none alone, UUIDs as they are, names through
   * Neutron (which must then be in the catalog).
   */
  async resolveNetworks(values: readonly string[]): Promise<NetworkRequest> {
    const special = values.filter((value) => value === 'auto' || value === 'none');
    if (special.length > 0) {
      if (values.length > 1) {
        throw new ConfigurationError(
          `network '${special[0]}' cannot be combined with other networks (got ${values.join(', ')})`,
        );
      }
      return special[0] as 'auto' | 'none';
    }
    if (values.length === 0) {
      return 'auto';
    }
    const named = values.filter((value) => !isUuid(value));
    if (named.length > 0 && !Neutron.available(this.#session)) {
      throw new ConfigurationError(
        `network '${named[0]}' is a name, but this cloud has no Neutron (network) endpoint to look it up: give the network's ID, auto or none`,
      );
    }
    const neutron = named.length > 0 ? new Neutron(this.#session) : undefined;
    const out: { uuid: string }[] = [];
    for (const value of values) {
      out.push({ uuid: isUuid(value) || !neutron ? value : (await neutron.findNetwork(value)).id });
    }
    return out;
  }

  /** POST /servers; returns the new server's ID at once (it is still building). */
  async createServer(spec: CreateServerSpec): Promise<string> {
    const server: Record<string, unknown> = {
      name: spec.name,
      flavorRef: spec.flavorRef,
    };
    if (spec.bootVolume) {
      server.block_device_mapping_v2 = [await this.#bootVolumeMapping(spec.imageRef, spec.bootVolume)];
    } else {
      server.imageRef = spec.imageRef;
    }
    if (await this.#atLeast('2.37')) {
      server.networks = spec.networks;
    } else if (typeof spec.networks !== 'string') {
      server.networks = spec.networks;
    }
    if (spec.securityGroups?.length) {
      server.security_groups = spec.securityGroups.map((name) => ({ name }));
    }
    if (spec.keyName) {
      server.key_name = spec.keyName;
    }
    if (spec.availabilityZone) {
      server.availability_zone = spec.availabilityZone;
    }
    if (spec.metadata && Object.keys(spec.metadata).length > 0) {
      server.metadata = spec.metadata;
    }
    if (spec.configDrive) {
      server.config_drive = true;
    }
    if (spec.userData !== undefined) {
      server.user_data = encodeUserData(spec.userData);
    }
    const created = await this.#request<{ server: { id: string; adminPass?: string } }>('POST', '/servers', {
      json: { server },
    });
    if (created.server.adminPass) {
      // Nova makes up a root password even when no guest will use it; it must not reach a log.
      this.#session.reporter.mask(created.server.adminPass);
    }
    return created.server.id;
  }

  async #bootVolumeMapping(imageId: string, volume: BootVolume): Promise<Record<string, unknown>> {
    if (volume.volumeType !== undefined && !(await this.#atLeast('2.67'))) {
      throw new ConfigurationError(
        `Option 'volume-type' needs Nova API microversion 2.67; this cloud offers ${(await this.microversion()) ?? 'none'}. Leave it empty for the default volume type.`,
      );
    }
    return {
      boot_index: 0,
      uuid: imageId,
      source_type: 'image',
      destination_type: 'volume',
      volume_size: volume.sizeGiB,
      delete_on_termination: volume.deleteOnTermination,
      ...(volume.volumeType !== undefined ? { volume_type: volume.volumeType } : {}),
    };
  }

  async getServer(id: string): Promise<Server> {
    return (await this.#request<{ server: Server }>('GET', `/servers/${encodeURIComponent(id)}`)).server;
  }

  async findServer(id: string): Promise<Server | undefined> {
    try {
      return await this.getServer(id);
    } catch (error) {
      if (error instanceof OpenStackHttpError && error.status === 404) {
        return undefined;
      }
      throw error;
    }
  }

  /** Servers of the project with exactly this name (Nova's name filter is a regular expression). */
  async findServersByName(name: string): Promise<Server[]> {
    const pattern = `^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
    const { servers } = await this.#request<{ servers: Server[] }>(
      'GET',
      `/servers/detail?${new URLSearchParams({ name: pattern }).toString()}`,
    );
    return servers.filter((server) => server.name === name);
  }

  /** Polls until ACTIVE; ERROR fails at once with Nova's fault message. */
  async waitActive(id: string, options: Partial<WaitOptions> = {}): Promise<Server> {
    let last = 'unknown';
    return waitFor(
      `server ${id} to become ACTIVE`,
      { onStateChange: reportStatus(this.#session.reporter, `Server ${id}`), ...options },
      async () => {
        const server = await this.getServer(id);
        last =
          server.status + (server['OS-EXT-STS:task_state'] ? ` (${server['OS-EXT-STS:task_state']})` : '');
        if (server.status === 'ACTIVE') {
          return server;
        }
        if (server.status === 'ERROR') {
          throw new CommandError(
            `boot of server ${server.name} (${id})`,
            null,
            '',
            `Nova set it to ERROR: ${server.fault?.message ?? 'no fault message'}`,
          );
        }
        if (server.status === 'DELETED' || server.status === 'SOFT_DELETED' || server.status === 'SHUTOFF') {
          throw new CommandError(
            `boot of server ${server.name} (${id})`,
            null,
            '',
            `it became ${server.status}`,
          );
        }
        return undefined;
      },
      () => last,
    );
  }

  async deleteServer(id: string): Promise<void> {
    await this.#request('DELETE', `/servers/${encodeURIComponent(id)}`, { expect: [202, 204, 404] });
  }

  /** Deletes and waits until Nova answers 404 (a deleted server lingers briefly as "deleting"). */
  async deleteServerAndWait(id: string, options: Partial<WaitOptions> = {}): Promise<void> {
    await this.deleteServer(id);
    let last = 'unknown';
    await waitFor(
      `server ${id} to be deleted`,
      { pollMs: 1000, onStateChange: reportStatus(this.#session.reporter, `Server ${id}`), ...options },
      async () => {
        const server = await this.findServer(id);
        if (server === undefined) {
          return true;
        }
        last = server.status;
        if (server.status === 'ERROR' && !server['OS-EXT-STS:task_state']) {
          throw new CommandError(
            `delete of server ${id}`,
            null,
            '',
            `Nova set it to ERROR: ${server.fault?.message ?? ''}`,
          );
        }
        return undefined;
      },
      () => last,
    );
  }

  /** Registers a public key; the body works from 2.1 to 2.92 (where public_key became required). */
  async createKeypair(name: string, publicKey: string): Promise<{ name: string; fingerprint: string }> {
    const keypair: Record<string, string> = { name, public_key: publicKey.trim() };
    if (await this.#atLeast('2.2')) {
      keypair.type = 'ssh';
    }
    const created = await this.#request<{ keypair: { name: string; fingerprint: string } }>(
      'POST',
      '/os-keypairs',
      {
        json: { keypair },
      },
    );
    return { name: created.keypair.name, fingerprint: created.keypair.fingerprint };
  }

  /** Whether the project has a key pair of this name. */
  async keypairExists(name: string): Promise<boolean> {
    try {
      await this.#request('GET', `/os-keypairs/${encodeURIComponent(name)}`);
      return true;
    } catch (error) {
      if (error instanceof OpenStackHttpError && error.status === 404) {
        return false;
      }
      throw error;
    }
  }

  async deleteKeypair(name: string): Promise<void> {
    await this.#request('DELETE', `/os-keypairs/${encodeURIComponent(name)}`, { expect: [202, 204, 404] });
  }

  /** The server's console log (its last `length` lines when given). */
  async consoleOutput(id: string, length?: number): Promise<string> {
    const result = await this.#request<{ output: string }>(
      'POST',
      `/servers/${encodeURIComponent(id)}/action`,
      {
        json: { 'os-getConsoleOutput': length === undefined ? {} : { length } },
        // Reading the console changes nothing, so it may be retried like a GET.
        idempotent: true,
      },
    );
    return result.output ?? '';
  }
}
