// An in-memory cloud for unit tests of deploy() through its `openCloud` port: Glance, Nova, Neutron
// and Cinder as the DeployCloud interfaces declare them, keeping images, servers, key pairs, floating
// IPs and volumes in maps. Every call is logged in order (`nova.createServer indico`), and any call
// can be made to fail once, so a test sees the sequence the deployment made and what its undo removed.
// The real services are tested against the loopback cloud (test/integration/deploy).
import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type {
  DeployCloud,
  DeployCinder,
  DeployGlance,
  DeployNeutron,
  DeployNova,
} from '../../shared/deploy/cloud.js';
import { ConfigurationError } from '../../shared/errors.js';
import type { Digests } from '../../shared/openstack/digests.js';
import type { CreateImageSpec, GlanceImage } from '../../shared/openstack/glance.js';
import type { FloatingIp } from '../../shared/openstack/neutron.js';
import type { CreateServerSpec, Flavor, NetworkRequest, Server } from '../../shared/openstack/nova.js';

export const FAKE_PROJECT = 'project-1';
/** What the fake guest prints on its console: cloud-init's host-key block. */
export const FAKE_HOST_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPBbyL7F9mfvxqfmlAOcqj3bsOHpAQxvDfz5xjykiKGt';

export interface FakeCloudSetup {
  readonly flavors?: readonly Flavor[];
  /** Network names (and IDs: the same string) Nova and Neutron know. */
  readonly networks?: readonly string[];
  readonly images?: readonly GlanceImage[];
  readonly servers?: readonly Server[];
  readonly keypairs?: readonly string[];
  readonly neutron?: boolean;
  readonly cinder?: boolean;
}

type Service = 'glance' | 'nova' | 'neutron' | 'cinder';

export class FakeCloud {
  readonly calls: string[] = [];
  readonly images = new Map<string, GlanceImage>();
  readonly servers = new Map<string, Server & { spec?: CreateServerSpec }>();
  readonly keypairs = new Set<string>();
  readonly floatingIps = new Map<string, FloatingIp>();
  readonly volumes = new Set<string>();
  /** Servers Nova puts into ERROR instead of ACTIVE, with this fault message. */
  readonly #faults = new Map<string, Error>();
  #clock = 0;
  readonly #flavors: readonly Flavor[];
  readonly #networks: readonly string[];
  readonly #setup: FakeCloudSetup;

  constructor(setup: FakeCloudSetup = {}) {
    this.#setup = setup;
    this.#flavors = setup.flavors ?? [{ id: 'f1', name: 'm1.small', disk: 10 }];
    this.#networks = setup.networks ?? ['private'];
    for (const image of setup.images ?? []) this.images.set(image.id, image);
    for (const server of setup.servers ?? []) this.servers.set(server.id, server);
    for (const name of setup.keypairs ?? []) this.keypairs.add(name);
  }

  /** The next call of `service.method` throws this error (once). */
  failNext(call: `${Service}.${string}`, error: Error): void {
    this.#faults.set(call, error);
  }

  #call(service: Service, method: string, detail = ''): void {
    const name = `${service}.${method}`;
    this.calls.push(detail ? `${name} ${detail}` : name);
    const fault = this.#faults.get(name);
    if (fault) {
      this.#faults.delete(name);
      throw fault;
    }
  }

  #created(): string {
    this.#clock += 1;
    return new Date(Date.UTC(2026, 0, 1, 0, 0, this.#clock)).toISOString();
  }

  readonly glance: DeployGlance = {
    resolve: async (nameOrId) => {
      this.#call('glance', 'resolve', nameOrId);
      const image = [...this.images.values()].find((i) => i.id === nameOrId || i.name === nameOrId);
      if (!image) throw new ConfigurationError(`Image '${nameOrId}' not found`);
      return image;
    },
    uploadImage: async (spec: CreateImageSpec, file: string, options = {}) => {
      this.#call('glance', 'uploadImage', spec.name);
      const id = randomUUID();
      const queued: GlanceImage = {
        id,
        name: spec.name,
        status: 'queued',
        created_at: this.#created(),
        owner: FAKE_PROJECT,
        disk_format: spec.diskFormat,
        tags: [...(spec.tags ?? [])],
        ...spec.properties,
      };
      this.images.set(id, queued);
      options.onCreated?.(queued);
      this.#call('glance', 'upload', spec.name);
      const bytes = await readFile(file);
      const digests = digestsOf(bytes);
      const active = {
        ...queued,
        status: 'active',
        size: bytes.length,
        checksum: createHash('md5').update(bytes).digest('hex'),
        os_hash_algo: 'sha512',
        os_hash_value: digests.sha512,
      };
      this.images.set(id, active);
      return { image: active, digests, method: 'direct' as const };
    },
    findByHash: async (digests) => {
      this.#call('glance', 'findByHash');
      return [...this.images.values()].find(
        (i) => i.os_hash_value === digests.sha512 && i.status === 'active',
      );
    },
    listByPrefix: async (prefix) => {
      this.#call('glance', 'listByPrefix', prefix);
      return [...this.images.values()].filter((i) => (i.name ?? '').startsWith(prefix));
    },
    deleteIfExists: async (id) => {
      this.#call('glance', 'deleteIfExists', id);
      return this.images.delete(id);
    },
  };

  readonly nova: DeployNova = {
    resolveFlavor: async (nameOrId) => {
      this.#call('nova', 'resolveFlavor', nameOrId);
      const flavor = this.#flavors.find((f) => f.id === nameOrId || f.name === nameOrId);
      if (!flavor) throw new ConfigurationError(`Option 'flavor': no flavor '${nameOrId}'`);
      return flavor;
    },
    resolveNetworks: async (values): Promise<NetworkRequest> => {
      this.#call('nova', 'resolveNetworks', values.join(','));
      if (values.length === 1 && (values[0] === 'auto' || values[0] === 'none')) return values[0];
      return values.map((value) => {
        if (!this.#networks.includes(value))
          throw new ConfigurationError(`Option 'network': no network '${value}'`);
        return { uuid: value };
      });
    },
    keypairExists: async (name) => {
      this.#call('nova', 'keypairExists', name);
      return this.keypairs.has(name);
    },
    findServersByName: async (name) => {
      this.#call('nova', 'findServersByName', name);
      return [...this.servers.values()].filter((s) => s.name === name);
    },
    createKeypair: async (name, publicKey) => {
      this.#call('nova', 'createKeypair', name);
      this.keypairs.add(name);
      return { name, fingerprint: createHash('md5').update(publicKey).digest('hex') };
    },
    deleteKeypair: async (name) => {
      this.#call('nova', 'deleteKeypair', name);
      this.keypairs.delete(name);
    },
    createServer: async (spec) => {
      this.#call('nova', 'createServer', spec.name);
      if (!this.images.has(spec.imageRef)) throw new ConfigurationError(`Image ${spec.imageRef} not found`);
      const id = randomUUID();
      const volumes = spec.bootVolume
        ? [{ id: `vol-${id}`, delete_on_termination: spec.bootVolume.deleteOnTermination }]
        : [];
      volumes.forEach((volume) => this.volumes.add(volume.id));
      this.servers.set(id, {
        id,
        name: spec.name,
        status: 'BUILD',
        key_name: spec.keyName ?? null,
        'os-extended-volumes:volumes_attached': volumes,
        spec,
      });
      return id;
    },
    waitActive: async (id) => {
      this.#call('nova', 'waitActive', id);
      const server = this.#server(id);
      const active = {
        ...server,
        status: 'ACTIVE',
        addresses: { private: [{ addr: '10.0.0.5', version: 4 }] },
      };
      this.servers.set(id, active);
      return active;
    },
    getServer: async (id) => {
      this.#call('nova', 'getServer', id);
      return this.#server(id);
    },
    findServer: async (id) => {
      this.#call('nova', 'findServer', id);
      return this.servers.get(id);
    },
    deleteServerAndWait: async (id) => {
      this.#call('nova', 'deleteServerAndWait', id);
      for (const volume of attached(this.servers.get(id))) {
        if (volume.delete_on_termination) this.volumes.delete(volume.id);
      }
      this.servers.delete(id);
    },
    consoleOutput: async (id) => {
      this.#call('nova', 'consoleOutput', id);
      this.#server(id);
      return ['-----BEGIN SSH HOST KEY KEYS-----', FAKE_HOST_KEY, '-----END SSH HOST KEY KEYS-----'].join(
        '\n',
      );
    },
  };

  readonly #neutron: DeployNeutron = {
    findNetwork: async (nameOrId) => {
      this.#call('neutron', 'findNetwork', nameOrId);
      if (!this.#networks.includes(nameOrId)) throw new ConfigurationError(`no network '${nameOrId}'`);
      return { id: nameOrId, name: nameOrId, 'router:external': true };
    },
    attachFloatingIp: async (serverId, network, onCreated) => {
      this.#call('neutron', 'attachFloatingIp', serverId);
      const ip: FloatingIp = {
        id: randomUUID(),
        floating_ip_address: `203.0.113.${this.floatingIps.size + 10}`,
        floating_network_id: network,
        port_id: null,
      };
      this.floatingIps.set(ip.id, ip);
      onCreated?.(ip);
      const bound = { ...ip, port_id: `port-${serverId}` };
      this.floatingIps.set(ip.id, bound);
      return bound;
    },
    deleteFloatingIp: async (id) => {
      this.#call('neutron', 'deleteFloatingIp', id);
      this.floatingIps.delete(id);
    },
  };

  readonly #cinder: DeployCinder = {
    deleteVolumeAndWait: async (id) => {
      this.#call('cinder', 'deleteVolumeAndWait', id);
      this.volumes.delete(id);
    },
  };

  #server(id: string): Server {
    const server = this.servers.get(id);
    if (!server) throw new Error(`Nova: server ${id} not found (404)`);
    return server;
  }

  /** The cloud a deployment sees after logging in. */
  get cloud(): DeployCloud {
    return {
      projectId: FAKE_PROJECT,
      endpointInterface: 'public',
      glance: this.glance,
      nova: this.nova,
      neutron: this.#setup.neutron === false ? undefined : this.#neutron,
      cinder: this.#setup.cinder === false ? undefined : this.#cinder,
    };
  }

  /** What the run left: everything but what the setup put there. */
  left(): {
    images: string[];
    servers: string[];
    keypairs: string[];
    floatingIps: string[];
    volumes: string[];
  } {
    const given = new Set([
      ...(this.#setup.images ?? []).map((i) => i.id),
      ...(this.#setup.servers ?? []).map((s) => s.id),
      ...(this.#setup.keypairs ?? []),
    ]);
    const created = (ids: Iterable<string>) => [...ids].filter((id) => !given.has(id));
    return {
      images: created(this.images.keys()),
      servers: created(this.servers.keys()),
      keypairs: created(this.keypairs),
      floatingIps: [...this.floatingIps.keys()],
      volumes: [...this.volumes],
    };
  }
}

function attached(server: Server | undefined): { id: string; delete_on_termination: boolean }[] {
  const listed = server?.['os-extended-volumes:volumes_attached'];
  return Array.isArray(listed) ? (listed as { id: string; delete_on_termination: boolean }[]) : [];
}

function digestsOf(bytes: Buffer): Digests {
  return { sha512: createHash('sha512').update(bytes).digest('hex'), size: bytes.length };
}
