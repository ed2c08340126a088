import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as core from '@actions/core';
import { uploadRunArtifact } from '../../action-kit/artifact.js';
import { openLedger } from '../../action-kit/cleanup.js';
import { ToolCacheDownloader } from '../../action-kit/download.js';
import { readActionOptions } from '../../action-kit/inputs.js';
import { runAction, setOutputs } from '../../action-kit/run.js';
import { buildImage, serialLogPathFor } from '../../shared/image/build-image.js';
import { buildOutputs } from '../../shared/image/outputs.js';
import { buildImageCommand } from '../../shared/options/commands.js';
import { outputValues } from '../../shared/options/outputs.js';
import { STATE } from './state.js';

await runAction('action-build-image', async (reporter) => {
  const { values, sources } = readActionOptions(buildImageCommand, reporter);
  const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
  const serialLog = serialLogPathFor(values, workspace);
  core.saveState(STATE.serialLog, serialLog);
  core.saveState(STATE.serialLogArtifact, `${values.imageName}-serial-log`);
  // Set before the build: a failed build's console log is what a later step (an upload) needs most.
  setOutputs(outputValues(buildOutputs, { serialLog }));
  const result = await buildImage(values, reporter, {
    ledger: openLedger(),
    downloader: new ToolCacheDownloader(),
    sources,
    cwd: workspace,
    ...(process.env.RUNNER_TEMP ? { tempRoot: process.env.RUNNER_TEMP } : {}),
  });
  core.saveState(STATE.succeeded, 'true');
  setOutputs(outputValues(buildOutputs, { serialLog, result }));

  const artifactName = values.artifactName ?? `${values.imageName}-image`;
  if (!values.uploadArtifact) {
    return;
  }
  const files = readdirSync(result.outputDir).map((name) => join(result.outputDir, name));
  // The images are compressed already (or sparse raw): zipping them again costs time and gains nothing.
  const id = await uploadRunArtifact(artifactName, files, result.outputDir, {
    what: 'the images',
    compressionLevel: 0,
    retentionDays: values.retentionDays,
  });
  if (id === undefined) {
    return;
  }
  setOutputs(outputValues(buildOutputs, { serialLog, result, artifact: { name: artifactName, id } }));
  reporter.info(`Uploaded ${files.length} file(s) as artifact ${artifactName} (id ${id}).`);
});
