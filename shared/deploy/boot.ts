import { randomBytes } from 'node:crypto';
import type { CreatedResource } from '../cleanup/ledger.js';
import { errorMessage } from '../errors.js';
import type { FloatingIp } from '../openstack/neutron.js';
import { attachedVolumes, pickSshAddress, type Server } from '../openstack/nova.js';
import type { DeployCloud } from './cloud.js';
import type { WaitOptions } from '../wait.js';
import type { Reporter } from '../report/reporter.js';
import type { DeployOptions } from './options.js';
import { readHostKeys } from './host-keys.js';
import type { Preflight } from './preflight.js';
import { KEPT_VOLUMES, KIND } from './undo.js';

function bootVolumeOf(server: Server, options: DeployOptions): Booted['bootVolume'] {
  const id = attachedVolumes(server)[0]?.id;
  return options.bootVolumeSize !== undefined && id !== undefined
    ? { id, sizeGiB: options.bootVolumeSize, deleteOnTermination: options.deleteOnTermination }
    : undefined;
}

/** The key pair name registered for public-key: recognisable, per server, never colliding. */
export function keypairName(serverName: string, random: string): string {
  return `indicovm-${serverName}-${random}`;
}

export interface Booted {
  readonly server: Server;
  /** The volume Nova made from the image (boot-volume-size). */
  readonly bootVolume?: {
    readonly id: string;
    readonly sizeGiB: number;
    readonly deleteOnTermination: boolean;
  };
  readonly flavorName: string;
  readonly address: string;
  readonly hostKeys: string[];
  /** The key pair registered for public-key; undefined with key-name or no key. */
  readonly registeredKeypair?: string;
  readonly keyName?: string;
  readonly floatingIp?: FloatingIp;
  readonly replaced: readonly Server[];
  readonly bootMs: number;
}

export interface BootInput {
  readonly options: DeployOptions;
  readonly checked: Preflight;
  readonly imageId: string;
  readonly userData?: Buffer;
  readonly record: (resource: CreatedResource) => void;
  readonly reporter: Reporter;
  readonly wait: WaitOptions;
}

/**
 * Key pair, server, floating IP, then (with replace) the old servers of the same name: each recorded
 * the moment it exists, and the old servers deleted only once the new one is ACTIVE.
 */
export async function bootServer(cloud: DeployCloud, input: BootInput): Promise<Booted> {
  const { nova, neutron } = cloud;
  const { options, checked, record, reporter, wait } = input;
  const serverName = options.serverName!;
  let keyName = options.keyName;
  let registeredKeypair: string | undefined;
  if (options.publicKey) {
    const name = keypairName(serverName, randomBytes(4).toString('hex'));
    await nova.createKeypair(name, options.publicKey);
    record({ kind: KIND.keypair, id: name, label: `key pair ${name}` });
    reporter.info(`Registered key pair ${name}`);
    keyName = registeredKeypair = name;
  }
  if (checked.sameName.length > 0 && !options.replace) {
    reporter.warning(
      `A server named ${serverName} already exists (${checked.sameName.map((s) => s.id).join(', ')}); ` +
        "booting another one beside it. Set 'replace: true' to replace it.",
    );
  }

  const started = Date.now();
  const server = await reporter.group(`Booting server ${serverName} on ${checked.flavor.name}`, async () => {
    const id = await nova.createServer({
      name: serverName,
      imageRef: input.imageId,
      flavorRef: checked.flavor.id,
      networks: checked.networks,
      securityGroups: options.securityGroups,
      keyName,
      availabilityZone: options.availabilityZone,
      metadata: options.metadata,
      configDrive: options.configDrive,
      userData: input.userData,
      ...(options.bootVolumeSize !== undefined
        ? {
            bootVolume: {
              sizeGiB: options.bootVolumeSize,
              deleteOnTermination: options.deleteOnTermination,
              ...(options.volumeType !== undefined ? { volumeType: options.volumeType } : {}),
            },
          }
        : {}),
    });
    record({
      kind: KIND.server,
      id,
      label: `server ${serverName}`,
      // Nova keeps such a boot volume when the server goes: a failed run must delete it too.
      ...(options.bootVolumeSize !== undefined && !options.deleteOnTermination
        ? { detail: { [KEPT_VOLUMES]: 1 } }
        : {}),
    });
    reporter.info(`Created server ${serverName} (${id}); waiting for ACTIVE`);
    return nova.waitActive(id, wait);
  });
  const bootMs = Date.now() - started;
  reporter.info(`Server ${serverName} (${server.id}) is ACTIVE after ${Math.round(bootMs / 1000)} s`);

  let floatingIp: FloatingIp | undefined;
  if (checked.floatingNetwork && neutron) {
    floatingIp = await neutron.attachFloatingIp(server.id, checked.floatingNetwork.id, (ip) =>
      record({ kind: KIND.floatingIp, id: ip.id, label: `floating IP ${ip.floating_ip_address}` }),
    );
    reporter.info(`Attached floating IP ${floatingIp.floating_ip_address}`);
  }

  const replaced: Server[] = [];
  if (options.replace) {
    for (const old of checked.sameName) {
      await reporter.group(`Replacing: deleting the old server ${old.name} (${old.id})`, () =>
        nova.deleteServerAndWait(old.id, { ...wait, pollMs: Math.min(wait.pollMs, 1000) }),
      );
      replaced.push(old);
    }
  }

  const hostKeys = await readHostKeys(nova, server.id, {
    timeoutMs: options.hostKeyTimeout * 1000,
    pollMs: Math.max(wait.pollMs, 1000),
    reporter,
  });
  // Addresses can appear a little after ACTIVE; read them once more at the end.
  const latest = await nova.getServer(server.id).catch((error: unknown) => {
    reporter.debug(`Could not re-read server ${server.id}: ${errorMessage(error)}`);
    return server;
  });
  const address = floatingIp?.floating_ip_address ?? pickSshAddress(latest) ?? '';
  if (!address) {
    reporter.warning(`Server ${serverName} has no address (network: ${options.network.join(', ')}).`);
  }
  return {
    server: latest,
    bootVolume: bootVolumeOf(latest, options),
    flavorName: checked.flavor.name,
    address,
    hostKeys,
    registeredKeypair,
    keyName,
    floatingIp,
    replaced,
    bootMs,
  };
}
