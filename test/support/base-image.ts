// The bootable Debian 12 cloud-image fixture, built once per build-script version and cached by
// test/fixtures/base-image/build.sh (under $INDICOVM_CACHE_DIR, default ~/.cache/indicovm).
import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const BUILD_SCRIPT = fileURLToPath(new URL('../fixtures/base-image/build.sh', import.meta.url));
const STDERR_TAIL_CHARS = 8000;

export class BaseImageBuildError extends Error {
  constructor(
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly stderrTail: string,
  ) {
    const how = exitCode === null ? `signal ${signal ?? 'unknown'}` : `exit code ${exitCode}`;
    super(`${BUILD_SCRIPT} failed with ${how}. Last stderr output:\n${stderrTail}`);
    this.name = 'BaseImageBuildError';
  }
}

let pending: Promise<string> | undefined;

/**
 * Returns the path of the base qcow2 image, building it first if it is not cached yet (about
 * 1 minute, needs root or passwordless sudo). The build's progress is streamed to stderr.
 * Concurrent callers, in this process or in others, share a single build.
 */
export async function ensureBaseImage(): Promise<string> {
  pending ??= runBuild().catch((error: unknown) => {
    pending = undefined;
    throw error;
  });
  return pending;
}

async function runBuild(): Promise<string> {
  const path = await new Promise<string>((resolve, reject) => {
    const child = spawn('bash', [BUILD_SCRIPT], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderrTail = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      stderrTail = (stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code !== 0) {
        reject(new BaseImageBuildError(code, signal, stderrTail));
        return;
      }
      const lines = stdout.split('\n').filter((line) => line.trim() !== '');
      const last = lines.at(-1)?.trim();
      if (last === undefined) {
        reject(new BaseImageBuildError(code, signal, `${stderrTail}\n(no image path on stdout)`));
        return;
      }
      resolve(last);
    });
  });
  await access(path, constants.R_OK);
  return path;
}
