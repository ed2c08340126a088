import { ConfigurationError, NotBuiltYetError } from '../errors.js';
import type { Values } from '../options/kinds.js';
import { buildImageCommand, runImageCommand } from '../options/commands.js';
import type { Reporter } from '../report/reporter.js';

export type BuildImageOptions = Values<typeof buildImageCommand.options>;
export type RunImageOptions = Values<typeof runImageCommand.options>;

export interface BuiltImage {
  readonly format: string;
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

export interface BuildImageResult {
  readonly images: readonly BuiltImage[];
  readonly manifestPath: string;
  readonly serialLogPath: string;
}

/** Checks that need more than one option, before anything is downloaded or started. */
export function checkBuildImageOptions(options: BuildImageOptions): void {
  const base = options.baseImage;
  if (!base) {
    throw new ConfigurationError(
      "Missing option 'base-image': give an https URL, a local path or glance:<name-or-id>.",
    );
  }
  if (base.startsWith('glance:') && base.length === 'glance:'.length) {
    throw new ConfigurationError(
      "Invalid option 'base-image': glance: needs an image name or ID after the colon.",
    );
  }
  if (options.baseImageSha256 && !/^https?:\/\//.test(base)) {
    throw new ConfigurationError("Option 'base-image-sha256' only applies when 'base-image' is a URL.");
  }
  if (options.recipe === 'none' && options.provisionScript.length === 0) {
    throw new ConfigurationError(
      "With 'recipe: none', give at least one 'provision-script' (or the image would be unchanged).",
    );
  }
  if (new Set(options.formats).size !== options.formats.length) {
    throw new ConfigurationError(`Option 'formats' lists a format twice: ${options.formats.join(', ')}.`);
  }
}

export async function buildImage(options: BuildImageOptions, _reporter: Reporter): Promise<BuildImageResult> {
  checkBuildImageOptions(options);
  throw new NotBuiltYetError('Booting, provisioning and sealing the base image (build-image)');
}

export async function runImage(options: RunImageOptions, _reporter: Reporter): Promise<void> {
  if (!options.image) {
    throw new ConfigurationError("Missing option 'image': the path of the image to boot.");
  }
  throw new NotBuiltYetError('Booting an image locally (run-image)');
}
