import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { workflow } from './workflow-commands.js';
import type { ArtifactClient } from '@actions/artifact';
import { ConfigurationError, errorMessage } from '../shared/errors.js';
import type { Reporter } from '../shared/report/reporter.js';

/**
 * The artifact client and its Azure/protobuf dependencies are a third of each bundle: loaded only when
 * a step handles artifacts, so that every other step starts in a fraction of the time.
 */
async function artifactClient(): Promise<ArtifactClient> {
  const { DefaultArtifactClient } = await import('@actions/artifact');
  return new DefaultArtifactClient();
}

/**
 * Downloads an artifact of the current workflow run by name (as action-build-image uploads it) into a
 * folder, and returns the folder it landed in.
 */
export async function downloadRunArtifact(name: string, destination: string): Promise<string> {
  const client = await artifactClient();
  let id: number;
  try {
    ({
      artifact: { id },
    } = await client.getArtifact(name));
  } catch (error) {
    throw new ConfigurationError(
      `Option 'image-artifact': no artifact named '${name}' in this workflow run (${errorMessage(error)}). ` +
        'Upload it in an earlier job or step of the same run (action-build-image does with upload-artifact: true).',
    );
  }
  const { downloadPath, digestMismatch } = await client.downloadArtifact(id, { path: destination });
  if (digestMismatch) {
    throw new Error(`artifact '${name}' was damaged on the way: its digest does not match the uploaded one`);
  }
  return downloadPath ?? destination;
}

export interface RunArtifactUpload {
  /** What the files are, for the notice when they cannot be uploaded: "the backup tarball". */
  readonly what: string;
  /** 0 for files that are compressed already: zipping them again costs time and gains nothing. */
  readonly compressionLevel?: number;
  /** retention-days; unset keeps the repository's setting (the toolkit lowers a value above its maximum). */
  readonly retentionDays?: number | undefined;
}

/**
 * Uploads files as an artifact of the current workflow run and returns its id. A runner without
 * ACTIONS_RUNTIME_TOKEN (not a GitHub Actions job, or a local runner) cannot take artifacts: that is
 * said in a notice naming where the files are, and the result is undefined.
 */
export async function uploadRunArtifact(
  name: string,
  files: readonly string[],
  rootDir: string,
  options: RunArtifactUpload,
): Promise<number | undefined> {
  if (!process.env.ACTIONS_RUNTIME_TOKEN) {
    workflow.notice(
      `Artifact ${name} (${options.what}) was not uploaded: this runner gives no ACTIONS_RUNTIME_TOKEN ` +
        `(not a GitHub Actions job, or a local runner). The files are in ${rootDir}.`,
    );
    return undefined;
  }
  const upload = await (
    await artifactClient()
  ).uploadArtifact(name, [...files], rootDir, {
    ...(options.compressionLevel !== undefined ? { compressionLevel: options.compressionLevel } : {}),
    ...(options.retentionDays !== undefined ? { retentionDays: options.retentionDays } : {}),
  });
  return upload.id;
}

/** Uploads every file of a folder as one artifact (see uploadRunArtifact) and says so in the log. */
export async function uploadFolderArtifact(
  name: string,
  folder: string,
  reporter: Pick<Reporter, 'info'>,
  options: RunArtifactUpload,
): Promise<number | undefined> {
  const files = readdirSync(folder).map((file) => join(folder, file));
  const id = await uploadRunArtifact(name, files, folder, options);
  if (id !== undefined) reporter.info(`Uploaded ${files.length} file(s) as artifact ${name} (id ${id}).`);
  return id;
}
