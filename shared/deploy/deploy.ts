import { ConfigurationError, NotBuiltYetError } from '../errors.js';
import type { Values } from '../options/kinds.js';
import { deployCommand } from '../options/commands.js';
import { requireOne, requireSet } from '../options/resolve.js';
import type { Reporter } from '../report/reporter.js';

export type DeployOptions = Values<typeof deployCommand.options>;

export interface DeployResult {
  readonly imageId: string;
  readonly serverId: string;
  readonly serverName: string;
  readonly address: string;
  readonly addresses: Record<string, unknown>;
  readonly hostKeys: readonly string[];
  readonly userDataPath?: string;
}

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
}

export async function deploy(options: DeployOptions, _reporter: Reporter): Promise<DeployResult> {
  checkDeployOptions(options);
  throw new NotBuiltYetError('Uploading to Glance and booting with Nova (deploy)');
}
