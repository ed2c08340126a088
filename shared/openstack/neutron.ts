import { CommandError, ConfigurationError } from '../errors.js';
import type { OpenStackSession } from './auth.js';
import { OpenStackHttpError } from './http.js';
import { isUuid } from './ids.js';

/**
 * The little of Neutron a deployment needs: network names to IDs, and a floating IP for the server.
 * Only usable when the catalog has a `network` endpoint; clouds without one get a clear error.
 */

export interface NeutronNetwork {
  readonly id: string;
  readonly name: string;
  readonly 'router:external'?: boolean;
}

export interface NeutronPort {
  readonly id: string;
  readonly device_id: string;
  readonly network_id: string;
  readonly status?: string;
  readonly fixed_ips: readonly { subnet_id: string; ip_address: string }[];
}

export interface FloatingIp {
  readonly id: string;
  readonly floating_ip_address: string;
  readonly floating_network_id: string;
  readonly port_id: string | null;
  readonly status?: string;
}

export class Neutron {
  readonly #session: OpenStackSession;

  constructor(session: OpenStackSession) {
    if (!session.hasEndpoint('network')) {
      throw new ConfigurationError(
        `the cloud has no ${session.auth.interface} network (Neutron) endpoint in its catalog: networks must be given by ID, auto or none, and floating IPs are not available`,
      );
    }
    this.#session = session;
  }

  static available(session: OpenStackSession): boolean {
    return session.hasEndpoint('network');
  }

  #path(path: string): string {
    return /\/v2\.0$/.test(this.#session.endpoint('network')) ? path.replace(/^\/v2\.0/, '') : path;
  }

  async #json<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, json?: unknown): Promise<T> {
    const response = await this.#session.request('network', {
      method,
      path: this.#path(path),
      json,
      response: 'json',
    });
    return response.body as T;
  }

  /** A network by ID or exact name; a name must be unambiguous. */
  async findNetwork(nameOrId: string): Promise<NeutronNetwork> {
    if (isUuid(nameOrId)) {
      try {
        return (await this.#json<{ network: NeutronNetwork }>('GET', `/v2.0/networks/${nameOrId}`)).network;
      } catch (error) {
        if (!(error instanceof OpenStackHttpError && error.status === 404)) {
          throw error;
        }
      }
    }
    const { networks } = await this.#json<{ networks: NeutronNetwork[] }>(
      'GET',
      `/v2.0/networks?${new URLSearchParams({ name: nameOrId }).toString()}`,
    );
    const exact = networks.filter((network) => network.name === nameOrId);
    if (exact.length === 1) {
      return exact[0] as NeutronNetwork;
    }
    if (exact.length === 0) {
      throw new ConfigurationError(`network '${nameOrId}' was not found in Neutron (by name or ID)`);
    }
    throw new ConfigurationError(
      `network name '${nameOrId}' is ambiguous (${exact.map((network) => network.id).join(', ')}); use an ID`,
    );
  }

  async serverPorts(serverId: string): Promise<NeutronPort[]> {
    const { ports } = await this.#json<{ ports: NeutronPort[] }>(
      'GET',
      `/v2.0/ports?${new URLSearchParams({ device_id: serverId }).toString()}`,
    );
    return ports;
  }

  /**
   * Allocates a floating IP on an external network and binds it to the server's first port with an
   * IPv4 address. The caller records the returned ID for cleanup before doing anything else.
   */
  async attachFloatingIp(
    serverId: string,
    externalNetwork: string,
    onCreated?: (ip: FloatingIp) => void,
  ): Promise<FloatingIp> {
    const network = await this.findNetwork(externalNetwork);
    const ports = await this.serverPorts(serverId);
    const port = ports.find((candidate) => candidate.fixed_ips.some((ip) => ip.ip_address.includes('.')));
    if (!port) {
      throw new CommandError(
        `floating IP for server ${serverId}`,
        null,
        '',
        'the server has no port with an IPv4 address',
      );
    }
    const created = await this.#json<{ floatingip: FloatingIp }>('POST', '/v2.0/floatingips', {
      floatingip: { floating_network_id: network.id },
    });
    // Allocated first and bound second, so that the caller has the ID to release even if binding fails.
    onCreated?.(created.floatingip);
    const updated = await this.#json<{ floatingip: FloatingIp }>(
      'PUT',
      `/v2.0/floatingips/${created.floatingip.id}`,
      {
        floatingip: { port_id: port.id },
      },
    );
    return updated.floatingip;
  }

  async deleteFloatingIp(id: string): Promise<void> {
    try {
      await this.#session.request('network', {
        method: 'DELETE',
        path: this.#path(`/v2.0/floatingips/${id}`),
        response: 'none',
      });
    } catch (error) {
      if (!(error instanceof OpenStackHttpError && error.status === 404)) {
        throw error;
      }
    }
  }
}
