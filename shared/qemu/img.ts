/** qemu-img, run with argument vectors; JSON output parsed into the few fields the build needs. */
import { runTool } from './exec.js';

export type ImageFormat = 'qcow2' | 'raw' | 'vdi' | 'vmdk' | 'vpc' | 'vhdx';
export type Qcow2Compression = 'zstd' | 'zlib' | 'none';

export interface ImageInfo {
  readonly format: string;
  readonly virtualSize: number;
  readonly actualSize?: number;
  readonly backingFile?: string;
}

export interface ImageCheck {
  readonly supported: boolean;
  readonly corruptions: number;
  readonly leaks: number;
  readonly checkErrors: number;
}

const QEMU_IMG = 'qemu-img';

/** Formats whose qemu-img driver implements `check` (raw and vpc have nothing to check). */
export const CHECKABLE_FORMATS: ReadonlySet<string> = new Set(['qcow2', 'vdi', 'vmdk', 'vhdx']);

/** The file extension of each output format (vpc is known as VHD everywhere else). */
export function imageExtension(format: ImageFormat): string {
  return format === 'vpc' ? 'vhd' : format;
}

export async function imageInfo(path: string): Promise<ImageInfo> {
  const { stdout } = await runTool([QEMU_IMG, 'info', '--output=json', '--', path]);
  const parsed = JSON.parse(stdout) as {
    format: string;
    'virtual-size': number;
    'actual-size'?: number;
    'backing-filename'?: string;
  };
  return {
    format: parsed.format,
    virtualSize: parsed['virtual-size'],
    ...(parsed['actual-size'] !== undefined ? { actualSize: parsed['actual-size'] } : {}),
    ...(parsed['backing-filename'] !== undefined ? { backingFile: parsed['backing-filename'] } : {}),
  };
}

/** A qcow2 whose reads fall through to the base image, which is therefore never written. */
export async function createOverlay(
  base: string,
  baseFormat: string,
  overlay: string,
  sizeBytes: number,
): Promise<void> {
  await runTool([
    QEMU_IMG,
    'create',
    '-q',
    '-f',
    'qcow2',
    '-b',
    base,
    '-F',
    baseFormat,
    overlay,
    String(sizeBytes),
  ]);
}

export async function createImage(path: string, format: ImageFormat, sizeBytes: number): Promise<void> {
  await runTool([QEMU_IMG, 'create', '-q', '-f', format, path, String(sizeBytes)]);
}

export async function resizeImage(path: string, sizeBytes: number): Promise<void> {
  await runTool([QEMU_IMG, 'resize', '-q', path, String(sizeBytes)]);
}

/** The `-O` options of a conversion: compression applies to qcow2 only. */
export function convertArgs(format: ImageFormat, compression: Qcow2Compression): string[] {
  if (format !== 'qcow2' || compression === 'none') {
    return ['-O', format];
  }
  // zstd needs qemu >= 5.1 to read; zlib is the portable choice.
  return compression === 'zstd' ? ['-O', format, '-c', '-o', 'compression_type=zstd'] : ['-O', format, '-c'];
}

/** Flattens the backing chain into one standalone image; onPercent follows `qemu-img convert -p`. */
export async function convertImage(
  source: string,
  sourceFormat: string,
  target: string,
  format: ImageFormat,
  compression: Qcow2Compression,
  onPercent?: (percent: number) => void,
): Promise<void> {
  await runTool(
    [
      QEMU_IMG,
      'convert',
      ...(onPercent ? ['-p'] : []),
      '-f',
      sourceFormat,
      ...convertArgs(format, compression),
      source,
      target,
    ],
    onPercent ? { onStdout: percentsOf(onPercent) } : {},
  );
}

/** qemu-img -p writes "    (12.34/100%)\r" to stdout; a chunk may hold several or part of one. */
export function percentsOf(onPercent: (percent: number) => void): (text: string) => void {
  let pending = '';
  return (text) => {
    pending += text;
    for (const match of pending.matchAll(/\((\d+(?:\.\d+)?)\/100%\)/g)) {
      onPercent(Number(match[1]));
    }
    pending = pending.slice(pending.lastIndexOf(')') + 1);
  };
}

/** `qemu-img check`; a format without a check is reported as unsupported rather than failing. */
export async function checkImage(path: string, format: string): Promise<ImageCheck> {
  if (!CHECKABLE_FORMATS.has(format)) {
    return { supported: false, corruptions: 0, leaks: 0, checkErrors: 0 };
  }
  // Exit status 2/3 still prints the JSON: parse it when there is some, so the numbers reach the error.
  let stdout: string;
  try {
    ({ stdout } = await runTool([QEMU_IMG, 'check', '--output=json', '-f', format, '--', path]));
  } catch (error) {
    const tail = (error as { outputTail?: string }).outputTail ?? '';
    if (!tail.trim().startsWith('{')) {
      throw error;
    }
    stdout = tail;
  }
  const parsed = JSON.parse(stdout) as { corruptions?: number; leaks?: number; 'check-errors'?: number };
  return {
    supported: true,
    corruptions: parsed.corruptions ?? 0,
    leaks: parsed.leaks ?? 0,
    checkErrors: parsed['check-errors'] ?? 0,
  };
}
