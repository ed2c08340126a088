import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { onInterrupt } from '../cleanup/interrupt.js';
import { Ledger, type CreatedResource } from '../cleanup/ledger.js';
import { ConfigurationError, errorMessage } from '../errors.js';
import type { SourceKind } from '../options/resolve.js';
import { authSettingsFromOptions } from '../openstack/auth-settings.js';
import type { CloudsYamlContext } from '../openstack/clouds-yaml.js';
import type { Reporter } from '../report/reporter.js';
import { bootServer } from './boot.js';
import { openOpenStack, type DeployCloud, type OpenCloud } from './cloud.js';
import { placeImage, rotateImages, type PlacedImage } from './image-step.js';
import {
  checkImageFile,
  defaultImageName,
  pickImageFile,
  type ArtifactDownloader,
  type ImageFile,
} from './image-file.js';
import { checkBootVolumeFits, checkDeployOptions, type DeployOptions } from './options.js';
import { preflight } from './preflight.js';
import { deploySummary } from './summary.js';
import { deployUndoers, KIND } from './undo.js';
import { renderStockUserData, type StockUserData, type WrittenUserData } from './user-data.js';
import { confinedPath, writePrivateFile } from '../local-path.js';

export type { DeployOptions };
export { checkDeployOptions };
export type { ArtifactDownloader } from './image-file.js';

export interface DeployResult {
  readonly imageId: string;
  readonly serverId: string;
  readonly serverName: string;
  readonly address: string;
  readonly addresses: Record<string, unknown>;
  readonly hostKeys: readonly string[];
  readonly userDataPath?: string;
  readonly bootVolumeId?: string;
}

export interface DeployDeps {
  /** Where everything created is recorded the moment it exists; a temporary one when not given. */
  readonly ledger?: Ledger;
  /** Where each option came from, so that defaults do not override a clouds.yaml entry. */
  readonly sources?: Partial<Record<keyof DeployOptions, SourceKind>>;
  /** Fetches a workflow artifact (actions only); without it, image-artifact is a configuration error. */
  readonly downloadArtifact?: ArtifactDownloader;
  readonly cloudsYaml?: CloudsYamlContext;
  /** Logs in to the cloud; OpenStack by default, an in-memory cloud in the unit tests. */
  readonly openCloud?: OpenCloud;
  /** How often to poll Glance, Nova and the console log; tests shorten it. */
  readonly pollMs?: number;
  /**
   * The folders a file written for the user may be in (the action's workspace and RUNNER_TEMP); the
   * CLI, on the user's own machine, leaves it unset.
   */
  readonly writableRoots?: readonly string[];
}

async function imageFileFrom(
  options: DeployOptions,
  deps: DeployDeps,
  scratch: () => Promise<string>,
  reporter: Reporter,
): Promise<ImageFile | undefined> {
  if (options.imagePath) {
    return checkImageFile(options.imagePath, options.imagePath);
  }
  if (!options.imageArtifact) {
    return undefined;
  }
  if (!deps.downloadArtifact) {
    throw new ConfigurationError(
      "Option 'image-artifact' downloads a workflow artifact of the current run, so it works in action-deploy only: " +
        "here, download the artifact yourself and set 'image-path' (--image-path) to the image file.",
    );
  }
  const folder = await reporter.group(`Downloading artifact ${options.imageArtifact}`, async () =>
    deps.downloadArtifact!(options.imageArtifact!, await scratch()),
  );
  const file = await pickImageFile(folder, options.imageArtifact);
  return checkImageFile(file, `artifact ${options.imageArtifact}: ${file.slice(folder.length + 1)}`);
}

/**
 * Uploads an image to Glance (or boots a stock image with generated user-data) and boots a Nova
 * server from it. Everything created goes into the ledger as soon as it exists; on success what the
 * user keeps is released from it, on failure it is removed here (unless keep-on-failure), and whatever
 * is still recorded after an interrupted run is removed by the action's post step.
 */
export async function deploy(
  options: DeployOptions,
  reporter: Reporter,
  deps: DeployDeps = {},
): Promise<DeployResult> {
  checkDeployOptions(options);
  const started = Date.now();
  let scratchDir: string | undefined;
  const scratch = async () => (scratchDir ??= await mkdtemp(join(tmpdir(), 'indicovm-deploy-')));
  const ledger = deps.ledger ?? new Ledger(join(await scratch(), 'ledger.json'));
  const created: CreatedResource[] = [];
  const record = (resource: CreatedResource) => {
    ledger.record(resource);
    created.push(resource);
  };
  const pollMs = deps.pollMs ?? 2000;
  const wait = { timeoutMs: options.waitTimeout * 1000, pollMs };
  let cloud: DeployCloud | undefined;
  let succeeded = false;
  const doneWithInterrupt = onInterrupt(async () => {
    await cleanUpAfterFailure(ledger, created, options.keepOnFailure, cloud, reporter, pollMs);
    if (scratchDir) await rm(scratchDir, { recursive: true, force: true });
  });
  try {
    // Local work first: a bad file, artifact or recipe fails before the cloud is touched.
    const file = await imageFileFrom(options, deps, scratch, reporter);
    const userData = options.sourceImage ? renderStockUserData(options) : undefined;
    const userDataFile = userData && (await writeUserDataFile(userData, options, deps, record));
    if (userDataFile) {
      reporter.info(
        `Wrote user-data to ${userDataFile.path} (${userData.bytes.length} bytes${userData.gzipped ? ', gzipped' : ''})`,
      );
    }

    cloud = await (deps.openCloud ?? openOpenStack)(authSettingsFromOptions(options, deps.sources), {
      reporter,
      cloudsYaml: deps.cloudsYaml,
    });
    const { glance } = cloud;
    const checked = await preflight(cloud, {
      flavor: options.flavor!,
      network: options.network,
      sourceImage: options.sourceImage,
      keyName: options.keyName,
      floatingIpNetwork: options.floatingIpNetwork,
      serverName: options.serverName!,
      bootVolumeSize: options.bootVolumeSize,
    });

    let placed: PlacedImage | undefined;
    if (file) {
      const name = options.imageName ?? defaultImageName(file.path);
      placed = await reporter.group(`Uploading ${file.origin} to Glance as ${name}`, () =>
        placeImage(
          glance,
          file,
          {
            name,
            diskFormat: options.diskFormat,
            containerFormat: options.containerFormat,
            visibility: options.visibility,
            properties: options.properties,
            tags: options.tags,
            minDisk: options.minDisk,
            minRam: options.minRam,
            reuseImage: options.reuseImage,
            importMethod: options.importMethod,
          },
          { record, reporter, wait },
        ),
      );
    }
    const image = placed?.image ?? checked.sourceImage!;
    if (options.bootVolumeSize !== undefined) checkBootVolumeFits(image, options.bootVolumeSize);

    const booted = await bootServer(cloud, {
      options,
      checked,
      imageId: image.id,
      userData: userData?.bytes,
      record,
      reporter,
      wait,
    });

    const rotated =
      placed && options.keepImages > 0
        ? await rotateImages(glance, placed.image.name ?? '', options.keepImages, {
            projectId: cloud.projectId,
            protect: [placed.image.id],
            reporter,
          })
        : [];

    reporter.summary(
      deploySummary({
        file,
        placed,
        sourceImage: checked.sourceImage,
        booted,
        userData: userDataFile ?? userData,
        rotated,
        totalMs: Date.now() - started,
      }),
    );
    succeeded = true;
    return {
      imageId: image.id,
      serverId: booted.server.id,
      serverName: booted.server.name,
      address: booted.address,
      addresses: booted.server.addresses ?? {},
      hostKeys: booted.hostKeys,
      userDataPath: userDataFile?.path,
      bootVolumeId: booted.bootVolume?.id,
    };
  } finally {
    doneWithInterrupt();
    if (succeeded) {
      // The user keeps these: the post step must leave them alone.
      created.forEach((resource) => ledger.release(resource.kind, resource.id));
    } else if (created.length > 0) {
      await cleanUpAfterFailure(ledger, created, options.keepOnFailure, cloud, reporter, pollMs);
    }
    if (scratchDir) {
      await rm(scratchDir, { recursive: true, force: true });
    }
  }
}

/**
 * Writes the user-data to user-data-path when one is given (only then: the file carries the recipe's
 * secrets), confined to the writable roots, and records it so that a failed run removes it.
 */
async function writeUserDataFile(
  userData: StockUserData,
  options: DeployOptions,
  deps: DeployDeps,
  record: (resource: CreatedResource) => void,
): Promise<WrittenUserData | undefined> {
  if (!options.userDataPath) {
    return undefined;
  }
  const path =
    deps.writableRoots && !options.allowUserDataOutsideWorkspace
      ? confinedPath('user-data-path', options.userDataPath, deps.writableRoots, {
          option: 'allow-user-data-outside-workspace',
        })
      : resolve(options.userDataPath);
  await writePrivateFile(path, userData.bytes);
  record({ kind: KIND.userDataFile, id: path, label: basename(path) });
  return { ...userData, path };
}

async function cleanUpAfterFailure(
  ledger: Ledger,
  created: readonly CreatedResource[],
  keep: boolean,
  cloud: DeployCloud | undefined,
  reporter: Reporter,
  pollMs: number,
): Promise<void> {
  const listing = created.map((resource) => `${resource.kind} ${resource.label ?? ''} (${resource.id})`);
  if (keep) {
    reporter.warning(`keep-on-failure: leaving what this run created: ${listing.join(', ')}`);
    created.forEach((resource) => ledger.release(resource.kind, resource.id));
    return;
  }
  const open = async (): Promise<DeployCloud> => {
    // Only a run that logged in can have created anything in the cloud.
    if (!cloud) {
      throw new Error('not logged in to OpenStack');
    }
    return cloud;
  };
  await reporter.group(`Removing what this failed run created (${created.length})`, async () => {
    const undone = await ledger.undoAll(
      deployUndoers(open, { pollMs: Math.min(pollMs, 1000), timeoutMs: 5 * 60_000 }),
      (resource, error) =>
        reporter.warning(
          `Could not remove ${resource.kind} ${resource.label ?? resource.id}: ${errorMessage(error)} (the post step tries again)`,
        ),
    );
    reporter.info(`Removed ${undone} of ${created.length}: ${listing.join(', ')}`);
  });
}

export { KIND };
