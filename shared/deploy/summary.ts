import type { GlanceImage } from '../openstack/glance.js';
import { formatDuration, type SummarySection } from '../report/reporter.js';
import { fingerprintOf } from '../ssh/host-key.js';
import type { Booted } from './boot.js';
import type { ImageFile } from './image-file.js';
import type { PlacedImage } from './image-step.js';
import type { StockUserData } from './user-data.js';

export interface SummaryInput {
  readonly file?: ImageFile;
  readonly placed?: PlacedImage;
  readonly sourceImage?: GlanceImage;
  readonly booted: Booted;
  /** The user-data sent to Nova, with the file it was also written to, if any. */
  readonly userData?: StockUserData & { readonly path?: string };
  readonly rotated: readonly GlanceImage[];
  readonly totalMs: number;
}

function mebibytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** What the run created or changed, with IDs, sizes, hashes and timings, for the job summary. */
export function deploySummary(input: SummaryInput): SummarySection {
  const rows: string[][] = [];
  const { placed, booted } = input;
  if (placed) {
    const rate =
      placed.uploaded && placed.durationMs > 0
        ? `, ${mebibytes((placed.digests.size / placed.durationMs) * 1000)}/s`
        : '';
    rows.push([
      placed.uploaded ? 'Image uploaded' : 'Image reused (same SHA-512)',
      placed.image.name ?? '',
      placed.image.id,
      `${input.file?.origin ?? ''}; ${placed.diskFormat}, ${mebibytes(placed.digests.size)}; ` +
        `SHA-512 ${placed.digests.sha512}; ${placed.method ?? 'no upload'} in ${formatDuration(placed.durationMs)}${rate}`,
    ]);
  } else if (input.sourceImage) {
    rows.push([
      'Stock image booted',
      input.sourceImage.name ?? '',
      input.sourceImage.id,
      `${input.sourceImage.disk_format ?? ''}, ${mebibytes(input.sourceImage.size ?? 0)}`,
    ]);
  }
  if (input.userData) {
    rows.push([
      'User-data',
      input.userData.path ?? 'sent to Nova only (no user-data-path)',
      '',
      `${input.userData.bytes.length} bytes${input.userData.gzipped ? ' (gzipped)' : ''}`,
    ]);
  }
  if (booted.registeredKeypair) {
    rows.push(['Key pair registered', booted.registeredKeypair, booted.registeredKeypair, '']);
  }
  rows.push([
    'Server',
    booted.server.name,
    booted.server.id,
    `${booted.flavorName}; ${booted.server.status}; address ${booted.address || 'none'}; ACTIVE in ${formatDuration(booted.bootMs)}`,
  ]);
  if (booted.bootVolume) {
    rows.push([
      'Boot volume',
      `${booted.bootVolume.sizeGiB} GiB, made from the image`,
      booted.bootVolume.id,
      booted.bootVolume.deleteOnTermination ? 'deleted with the server' : 'kept when the server is deleted',
    ]);
  }
  if (booted.floatingIp) {
    rows.push(['Floating IP', booted.floatingIp.floating_ip_address, booted.floatingIp.id, '']);
  }
  for (const old of booted.replaced) {
    rows.push(['Server replaced (deleted)', old.name, old.id, '']);
  }
  for (const image of input.rotated) {
    rows.push(['Older image deleted (keep-images)', image.name ?? '', image.id, image.created_at]);
  }
  // The fingerprints, as ssh prints them on first contact, so a reader can compare them by eye.
  for (const line of booted.hostKeys) {
    const [type = '', blob = ''] = line.trim().split(/\s+/);
    rows.push(['SSH host key', type, fingerprintOf(Buffer.from(blob, 'base64')), 'from the console log']);
  }
  const hostKeys =
    booted.hostKeys.length > 0
      ? `${booted.hostKeys.length} SSH host key(s) read from the console log.`
      : 'No SSH host keys in the console log.';
  return {
    heading: `indicovm deploy: ${booted.server.name}`,
    text: `Deployed ${booted.server.name} in ${formatDuration(input.totalMs)}. ${hostKeys}`,
    tables: [{ header: ['What', 'Name', 'ID', 'Details'], rows }],
  };
}
