/**
 * Local port forwarding: a TCP listener on 127.0.0.1 only (never on other interfaces, so nothing on
 * the network can use the tunnel) whose connections are piped to direct-tcpip channels.
 */
import { createServer, type Socket } from 'node:net';
import type { Client } from 'ssh2';
import type { Reporter } from '../report/reporter.js';

export interface LocalForward {
  /** The local port on 127.0.0.1. */
  readonly port: number;
  readonly close: () => Promise<void>;
}

export async function forwardLocal(
  client: Client,
  remoteHost: string,
  remotePort: number,
  reporter: Reporter,
): Promise<LocalForward> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.pause();
    client.forwardOut('127.0.0.1', socket.remotePort ?? 0, remoteHost, remotePort, (error, stream) => {
      if (error) {
        reporter.debug(`Forward to ${remoteHost}:${remotePort} refused: ${error.message}`);
        socket.destroy();
        return;
      }
      stream.on('error', () => socket.destroy());
      stream.on('close', () => socket.destroy());
      socket.on('close', () => stream.close());
      socket.pipe(stream).pipe(socket);
      socket.resume();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') {
    server.close();
    throw new Error('The local forward listener has no TCP address.');
  }
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      for (const socket of sockets) {
        socket.destroy();
      }
      server.close(() => resolve());
    });
    return closing;
  };
  return { port: address.port, close };
}
