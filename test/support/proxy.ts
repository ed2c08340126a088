// A real HTTP proxy for the proxy tests: Debian's tinyproxy in the foreground, on 127.0.0.1 only,
// with its own configuration and log in a temporary folder. No ConnectPort line: CONNECT to any port.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './sshd.js';

export interface Proxy {
  readonly url: string;
  /** The requests tinyproxy has logged so far ("GET http://..." and "CONNECT host:port" lines). */
  requests(): string[];
  stop(): Promise<void>;
}

export async function startProxy(): Promise<Proxy> {
  const dir = mkdtempSync(join(tmpdir(), 'indicovm-proxy-'));
  const port = await freePort();
  const log = join(dir, 'tinyproxy.log');
  writeFileSync(
    join(dir, 'tinyproxy.conf'),
    [
      `Port ${port}`,
      'Listen 127.0.0.1',
      'Allow 127.0.0.1',
      `LogFile "${log}"`,
      'LogLevel Info',
      'MaxClients 20',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('/usr/bin/tinyproxy', ['-d', '-c', join(dir, 'tinyproxy.conf')], {
    stdio: 'ignore',
  });
  for (let tries = 0; ; tries += 1) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => resolve(socket.destroy() !== undefined));
      socket.on('error', () => resolve(false));
    });
    if (up) {
      break;
    }
    if (tries > 100 || child.exitCode !== null) {
      throw new Error(`tinyproxy did not start on 127.0.0.1:${port}`);
    }
    await sleep(50);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => {
      const text = (() => {
        try {
          return readFileSync(log, 'utf8');
        } catch {
          return '';
        }
      })();
      return [...text.matchAll(/Request \(file descriptor \d+\): (\S+ \S+)/g)].map((match) => match[1]!);
    },
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((resolve) =>
        child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve),
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
