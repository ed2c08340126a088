import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** A process that still runs: it exists and is not a zombie waiting to be reaped. */
export function running(pid: number): boolean {
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Live processes (not this one) whose command line contains every one of the given words. */
export function processesMatching(...words: readonly string[]): { pid: number; cmdline: string }[] {
  const found: { pid: number; cmdline: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) {
      continue;
    }
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    } catch {
      continue;
    }
    if (words.every((word) => cmdline.includes(word)) && running(pid)) {
      found.push({ pid, cmdline });
    }
  }
  return found;
}

/** Polls until the condition holds; fails naming what it waited for when the time is up. */
export async function waitUntil(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Aborts the established TCP connections that process `pid` holds to 127.0.0.1:`port` (`ss -K`, as a
 * dropped network would), leaving every other connection to that port alone. Returns how many.
 */
export function cutConnections(pid: number, port: number): number {
  const listing = spawnSync(
    'ss',
    ['-tnpH', 'state', 'established', 'dst', '127.0.0.1', 'dport', '=', `:${port}`],
    {
      encoding: 'utf8',
    },
  );
  const localPorts = listing.stdout
    .split('\n')
    .filter((line) => line.includes(`pid=${pid},`))
    .map((line) => /127\.0\.0\.1:(\d+)\s+127\.0\.0\.1:\d+/.exec(line)?.[1])
    .filter((local): local is string => local !== undefined);
  for (const local of localPorts) {
    const kill = spawnSync(
      'ss',
      ['-K', 'state', 'established', 'dst', '127.0.0.1', 'dport', '=', `:${port}`, 'sport', '=', `:${local}`],
      { encoding: 'utf8' },
    );
    if (kill.status !== 0) {
      throw new Error(`ss -K failed: ${kill.stderr}`);
    }
  }
  return localPorts.length;
}
