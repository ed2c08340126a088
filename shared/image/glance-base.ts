import { join } from 'node:path';
import { ConfigurationError } from '../errors.js';
import type { Values } from '../options/kinds.js';
import type { openstackAuthOptions } from '../options/catalog/openstack.js';
import type { SourceKind } from '../options/resolve.js';
import { OpenStackSession } from '../openstack/auth.js';
import { authSettingsFromOptions, type AuthSettings } from '../openstack/auth-settings.js';
import type { CloudsYamlContext } from '../openstack/clouds-yaml.js';
import { Glance } from '../openstack/glance.js';
import type { GlanceImageFetcher } from './base-image.js';

type AuthValues = Partial<Values<typeof openstackAuthOptions>>;

export interface GlanceFetcherContext {
  /** Where each option's value came from: a default must not override a clouds.yaml entry. */
  readonly sources?: Partial<Record<keyof AuthValues, SourceKind>>;
  readonly cloudsYaml?: CloudsYamlContext;
}

/** True when the settings name a cloud or a Keystone URL: the least any login needs. */
function hasCredentials(settings: AuthSettings): boolean {
  return Boolean(settings.cloud || settings.authUrl);
}

/**
 * A fetcher that logs in with the build's OpenStack options only when a glance: base image asks
 * for it, so builds from a URL or a file never need credentials. Glance.download checks the bytes
 * against the image's checksum and os_hash_value and removes the file when they differ.
 */
export function glanceFetcherFromOptions(
  values: AuthValues,
  context: GlanceFetcherContext = {},
): GlanceImageFetcher {
  return async (nameOrId, dir, reporter) => {
    const settings = authSettingsFromOptions(values, context.sources);
    if (!hasCredentials(settings)) {
      throw new ConfigurationError(
        `Option 'base-image' glance:${nameOrId} needs OpenStack credentials: set 'cloud' (a clouds.yaml entry) ` +
          `or 'auth-url' with a user, password and project (or the OS_* variables).`,
      );
    }
    const session = await OpenStackSession.open(settings, {
      reporter,
      ...(context.cloudsYaml ? { cloudsYaml: context.cloudsYaml } : {}),
    });
    const glance = new Glance(session);
    // The name is the user's, so the local file is named after the image's ID instead.
    const image = await glance.resolve(nameOrId);
    const file = join(dir, `glance-${image.id}.img`);
    reporter.info(`Downloading Glance image ${image.name ?? ''} (${image.id}, ${image.size ?? '?'} bytes)`);
    const { digests } = await glance.download(image.id, file);
    reporter.info(
      `Glance image ${image.id}: ${digests.size} bytes, ${image.os_hash_value ? image.os_hash_algo : 'MD5 checksum'} verified`,
    );
    return file;
  };
}
