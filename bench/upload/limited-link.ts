// A bandwidth-limited link to the loopback cloud: a network namespace whose own loopback is shaped by
// tc's token bucket filter, where the cloud's ports answer at the same 127.0.0.1 addresses as outside.
// Loopbacks are per namespace, so each port is relayed by two socat processes over a Unix socket,
// which the filesystem shares between namespaces. Clients run unchanged, with `ip netns exec`.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LimitedLink {
  /** argv run inside the namespace: `ip netns exec` execs it, so GNU time still measures the client. */
  readonly inside: (argv: readonly string[]) => string[];
  close(): void;
}

const run = (argv: readonly string[]): string =>
  execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

async function waitFor(what: string, ready: () => boolean): Promise<void> {
  for (const started = Date.now(); !ready(); await sleep(50)) {
    if (Date.now() - started > 10_000) throw new Error(`limited link: ${what} not ready within 10 s`);
  }
}

/**
 * rate: tc's notation (`800mbit` is 100 MB/s); ports: the host's loopback ports to relay (Keystone,
 * Glance); dir: a private folder for the Unix sockets.
 */
export async function openLimitedLink(
  rate: string,
  ports: readonly number[],
  dir: string,
): Promise<LimitedLink> {
  const name = `indicovm-bench-${process.pid}`;
  const relays: ChildProcess[] = [];
  const inside = (argv: readonly string[]): string[] => ['ip', 'netns', 'exec', name, ...argv];
  const close = (): void => {
    for (const relay of relays) relay.kill('SIGTERM');
    try {
      run(['ip', 'netns', 'delete', name]);
    } catch {
      // Not made, or gone already.
    }
  };
  run(['ip', 'netns', 'add', name]);
  try {
    run(inside(['ip', 'link', 'set', 'lo', 'up']));
    // The burst must hold at least one packet of lo's 64 KiB MTU.
    run(
      inside([
        'tc',
        'qdisc',
        'add',
        'dev',
        'lo',
        'root',
        'tbf',
        'rate',
        rate,
        'burst',
        '512kb',
        'latency',
        '20ms',
      ]),
    );
    for (const port of ports) {
      const socket = join(dir, `link-${port}.sock`);
      relays.push(
        spawn('socat', [`UNIX-LISTEN:${socket},fork,mode=600`, `TCP:127.0.0.1:${port}`], { stdio: 'ignore' }),
      );
      await waitFor(`the relay socket of port ${port}`, () => existsSync(socket));
      relays.push(
        spawn(
          'ip',
          inside([
            'socat',
            `TCP-LISTEN:${port},bind=127.0.0.1,fork,reuseaddr`,
            `UNIX-CONNECT:${socket}`,
          ]).slice(1),
          { stdio: 'ignore' },
        ),
      );
      await waitFor(`port ${port} inside the namespace`, () => {
        try {
          run(inside(['socat', '-u', 'OPEN:/dev/null', `TCP:127.0.0.1:${port}`]));
          return true;
        } catch {
          return false;
        }
      });
    }
    for (const relay of relays) {
      if (relay.exitCode !== null) throw new Error(`limited link: a socat relay exited (${relay.exitCode})`);
    }
  } catch (error) {
    close();
    throw error;
  }
  return { inside, close };
}
