/** The build's JSON manifest and summary table: pure functions of what the build measured. */
import { formatDuration, type SummarySection } from '../report/reporter.js';
import { basename } from 'node:path';
import type { BaseImage } from './base-image.js';
import type { BuildImageOptions } from './build-options.js';

export interface ManifestImage {
  readonly format: string;
  /** File name inside the output folder. */
  readonly file: string;
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
  /** 'no errors', or 'not supported by the format'. */
  readonly check: string;
}

export interface VerifyResult {
  readonly hostKeyChanged: boolean;
  readonly machineIdChanged: boolean;
  readonly buildUserGone: boolean;
  /** HTTP status of the HTTPS check, when the recipe ran. */
  readonly httpsStatus?: number;
  /** SHA-256 fingerprint (AA:BB:…) of the certificate the new instance serves. */
  readonly httpsCertificateSha256?: string;
  readonly firstBootDone?: boolean;
}

export interface ManifestInput {
  readonly createdAt: Date;
  readonly base: Omit<BaseImage, 'path'> & { readonly path?: string };
  readonly accelerator: string;
  readonly timings: Readonly<Record<string, number>>;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly images: readonly ManifestImage[];
  readonly verify?: VerifyResult;
}

export interface Manifest {
  readonly tool: 'indicovm';
  readonly createdAt: string;
  readonly baseImage: {
    readonly source: string;
    readonly sha256: string;
    readonly format: string;
    readonly virtualSize: number;
  };
  readonly accelerator: string;
  readonly timingsSeconds: Readonly<Record<string, number>>;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly images: readonly Omit<ManifestImage, 'path'>[];
  readonly verify: VerifyResult | 'skipped';
}

export function buildManifest(input: ManifestInput): Manifest {
  return {
    tool: 'indicovm',
    createdAt: input.createdAt.toISOString(),
    baseImage: {
      source: input.base.source,
      sha256: input.base.sha256,
      format: input.base.format,
      virtualSize: input.base.virtualSize,
    },
    accelerator: input.accelerator,
    timingsSeconds: Object.fromEntries(
      Object.entries(input.timings).map(([phase, ms]) => [phase, Math.round(ms / 100) / 10]),
    ),
    settings: input.settings,
    // Paths are the builder's; the manifest travels with the files, so it names them relative to itself.
    images: input.images.map(({ path: _path, ...image }) => image),
    verify: input.verify ?? 'skipped',
  };
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** The build's job summary, headed like deploy's and manage's: the task, then what it made. */
export function buildSummary(input: ManifestInput, imageName: string): SummarySection {
  const verify = input.verify;
  return {
    heading: `indicovm build-image: ${imageName}`,
    text:
      `Base image ${input.base.source} (${input.base.format}, SHA-256 ${input.base.sha256}), ` +
      `accelerator ${input.accelerator}.` +
      (verify
        ? ` Verify boot: host key ${verify.hostKeyChanged ? 'new' : 'UNCHANGED'}, machine-id ` +
          `${verify.machineIdChanged ? 'new' : 'UNCHANGED'}, build user ${verify.buildUserGone ? 'gone' : 'PRESENT'}` +
          (verify.httpsStatus !== undefined ? `, HTTPS status ${verify.httpsStatus}` : '') +
          '.'
        : ' Verify boot skipped.'),
    tables: [
      {
        header: ['Phase', 'Time'],
        rows: Object.entries(input.timings).map(([phase, ms]) => [phase, formatDuration(ms)]),
      },
      {
        header: ['Image', 'Format', 'Size', 'SHA-256', 'Check'],
        rows: input.images.map((image) => [
          image.file,
          image.format,
          formatBytes(image.size),
          image.sha256,
          image.check,
        ]),
      },
    ],
  };
}

/** The options that shape the image, for the manifest (no secrets: those are per instance anyway). */
export function manifestSettings(options: BuildImageOptions): Record<string, unknown> {
  return {
    imageName: options.imageName,
    diskSizeMiB: options.diskSize,
    recipe: options.recipe,
    ...(options.recipe === 'indico'
      ? {
          serverHostname: options.serverHostname,
          webServer: options.webServer,
          installIndico: options.installIndico,
          indicoVersion: options.indicoVersion,
        }
      : {}),
    provisionScripts: options.provisionScript.map((path) => basename(path)),
    files: options.files.map((entry) => entry.slice(entry.indexOf(':/') + 1)),
    formats: options.formats,
    compression: options.compression,
    memoryMiB: options.memory,
    cpus: options.cpus,
  };
}
