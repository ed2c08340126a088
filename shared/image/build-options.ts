/** The build's options: their type, the checks that need more than one, and paths derived from them. */
import { join, resolve } from 'node:path';
import { ConfigurationError } from '../errors.js';
import type { Values } from '../options/kinds.js';
import type { buildImageCommand, runImageCommand } from '../options/commands.js';
import type { ExpectedDigest } from './download.js';

export type BuildImageOptions = Values<typeof buildImageCommand.options>;
export type RunImageOptions = Values<typeof runImageCommand.options>;

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
  for (const [option, given] of [
    ['base-image-sha256', options.baseImageSha256],
    ['base-image-sha512', options.baseImageSha512],
  ] as const) {
    if (given && !/^https?:\/\//.test(base)) {
      throw new ConfigurationError(`Option '${option}' only applies when 'base-image' is a URL.`);
    }
  }
  if (options.baseImageSha256 && options.baseImageSha512) {
    throw new ConfigurationError(
      "Options 'base-image-sha256' and 'base-image-sha512' are both set: give the one the image's publisher lists.",
    );
  }
  if (options.recipe === 'none' && options.provisionScript.length === 0) {
    throw new ConfigurationError(
      "With 'recipe: none', give at least one 'provision-script' (or the image would be unchanged).",
    );
  }
  if (new Set(options.formats).size !== options.formats.length) {
    throw new ConfigurationError(`Option 'formats' lists a format twice: ${options.formats.join(', ')}.`);
  }
  if (options.formats.length === 0) {
    throw new ConfigurationError(
      "Option 'formats' is empty: give at least one of qcow2, raw, vdi, vmdk, vpc, vhdx.",
    );
  }
}

/** Where the build's serial console log goes (known before the build starts, for a post step). */
export function serialLogPathFor(
  options: Pick<BuildImageOptions, 'outputDir' | 'imageName'>,
  cwd = process.cwd(),
): string {
  return join(resolve(cwd, options.outputDir), `${options.imageName}.serial.log`);
}

/** The digest the base image download must have, from whichever of the two options is set. */
export function expectedBaseDigest(options: BuildImageOptions): ExpectedDigest | undefined {
  if (options.baseImageSha512) return { algorithm: 'sha512', hex: options.baseImageSha512.toLowerCase() };
  if (options.baseImageSha256) return { algorithm: 'sha256', hex: options.baseImageSha256.toLowerCase() };
  return undefined;
}
