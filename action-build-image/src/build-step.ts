import { workflow } from '../../action-kit/workflow-commands.js';
import { openLedger } from '../../action-kit/cleanup.js';
import { ToolCacheDownloader } from '../../action-kit/download.js';
import { uploadFolderArtifact } from '../../action-kit/artifact.js';
import { setOutputs } from '../../action-kit/run.js';
import { buildImage, serialLogPathFor } from '../../shared/image/build-image.js';
import { buildOutputs, type BuildRun } from '../../shared/image/outputs.js';
import type { buildImageCommand } from '../../shared/options/commands.js';
import type { Resolved } from '../../shared/options/resolve.js';
import type { Reporter } from '../../shared/report/reporter.js';
import { outputValues } from '../../shared/options/outputs.js';
import { STATE } from './state.js';

/**
 * The build as an action step: the serial log's path saved for the post step and set as an output
 * first, then the build, then the images as an artifact (upload-artifact).
 */
export async function buildStep(
  { values, sources }: Resolved<typeof buildImageCommand.options>,
  reporter: Reporter,
): Promise<BuildRun> {
  const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
  const serialLog = serialLogPathFor(values, workspace);
  workflow.saveState(STATE.serialLog, serialLog);
  workflow.saveState(STATE.serialLogArtifact, `${values.imageName}-serial-log`);
  // Set before the build: a failed build's console log is what a later step (an upload) needs most.
  setOutputs(outputValues(buildOutputs, { serialLog }));
  const result = await buildImage(values, reporter, {
    ledger: openLedger(),
    downloader: new ToolCacheDownloader(),
    sources,
    cwd: workspace,
    ...(process.env.RUNNER_TEMP ? { tempRoot: process.env.RUNNER_TEMP } : {}),
  });
  workflow.saveState(STATE.succeeded, 'true');
  // The image outputs stand even when the upload below fails.
  setOutputs(outputValues(buildOutputs, { serialLog, result }));
  if (!values.uploadArtifact) return { serialLog, result };
  const name = values.artifactName ?? `${values.imageName}-image`;
  // The images are compressed already (or sparse raw): zipping them again costs time and gains nothing.
  const id = await uploadFolderArtifact(name, result.outputDir, reporter, {
    what: 'the images',
    compressionLevel: 0,
    retentionDays: values.retentionDays,
  });
  return { serialLog, result, ...(id !== undefined ? { artifact: { name, id } } : {}) };
}
