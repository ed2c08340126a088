/**
 * What the build runs in the VM besides the recipe's own steps: the files to upload, the recipe and
 * provision scripts as steps, the network config and the wheelhouse, all read up front; and how one
 * step runs.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { CommandError, ConfigurationError, errorMessage } from '../errors.js';
import { readPemInputs } from '../recipe/pem-inputs.js';
import { renderRecipe } from '../recipe/render.js';
import { isWheelhouseUrl, wheelhouseSource, type LocalWheelhouse } from '../recipe/wheelhouse.js';
import { formatDuration, type Reporter } from '../report/reporter.js';
import type { SshSession } from '../ssh/index.js';
import type { BuildImageOptions } from './build-options.js';
import { LineSink } from './vm.js';

export interface UploadFile {
  readonly local: string;
  readonly remote: string;
}

export interface ProvisionStep {
  readonly title: string;
  readonly name: string;
  readonly script: string;
}

/** Everything read from local files up front, so a missing file fails before a VM is started. */
export function readProvisionInputs(
  options: BuildImageOptions,
  cwd: string,
): {
  files: UploadFile[];
  steps: ProvisionStep[];
  networkConfig?: string;
  wheelhouse?: LocalWheelhouse;
} {
  const files = options.files.map((entry) => {
    const at = entry.indexOf(':/');
    const local = resolve(cwd, entry.slice(0, at));
    if (!existsSync(local) || !statSync(local).isFile()) {
      throw new ConfigurationError(`Option 'files': ${local} (from "${entry}") is not a file.`);
    }
    return { local, remote: entry.slice(at + 1) };
  });
  const steps: ProvisionStep[] = [];
  if (options.recipe === 'indico') {
    steps.push({
      title: 'Recipe: the Indico stack',
      name: 'recipe indico',
      script: renderRecipe(readPemInputs(options)).script,
    });
  }
  options.provisionScript.forEach((path, index) => {
    const full = resolve(cwd, path);
    let script: string;
    try {
      script = readFileSync(full, 'utf8');
    } catch (error) {
      throw new ConfigurationError(
        `Option 'provision-script': cannot read ${full} (${errorMessage(error)}).`,
      );
    }
    steps.push({
      title: `Provision script ${index + 1}: ${basename(full)}`,
      name: `provision-script ${path}`,
      script,
    });
  });
  let networkConfig: string | undefined;
  if (options.networkConfig) {
    const full = resolve(cwd, options.networkConfig);
    try {
      networkConfig = readFileSync(full, 'utf8');
    } catch (error) {
      throw new ConfigurationError(`Option 'network-config': cannot read ${full} (${errorMessage(error)}).`);
    }
  }
  // A URL is fetched by the recipe in the VM; a local wheelhouse is sent before the recipe runs.
  const wheelhouse =
    options.pythonWheelhouse !== undefined && !isWheelhouseUrl(options.pythonWheelhouse)
      ? (wheelhouseSource(options.pythonWheelhouse, cwd) as LocalWheelhouse)
      : undefined;
  return {
    files,
    steps,
    ...(networkConfig !== undefined ? { networkConfig } : {}),
    ...(wheelhouse !== undefined ? { wheelhouse } : {}),
  };
}

/** Runs one script as root, streaming its output; a failure names the step. */
export async function runProvisionStep(
  session: SshSession,
  step: ProvisionStep,
  reporter: Reporter,
): Promise<void> {
  const out = new LineSink((line) => reporter.relay(line));
  const err = new LineSink((line) => reporter.relay(line));
  const started = Date.now();
  try {
    await session.runScript(step.script, { sudo: true, onStdout: out.write, onStderr: err.write });
  } catch (error) {
    if (error instanceof CommandError) {
      throw new CommandError(step.name, error.exitCode, error.outputTail, 'in the build VM');
    }
    throw error;
  } finally {
    out.flush();
    err.flush();
  }
  reporter.info(`${step.name}: done in ${formatDuration(Date.now() - started)}`);
}

/** Uploads the `files` entries as root, each with its local mode. */
export async function uploadFiles(
  session: SshSession,
  files: readonly UploadFile[],
  reporter: Reporter,
): Promise<void> {
  for (const file of files) {
    const mode = statSync(file.local).mode & 0o777;
    await session.upload(readFileSync(file.local), file.remote, { sudo: true, mode });
    reporter.info(`${file.local} → ${file.remote}`);
  }
}
