import { createServer, type Socket } from 'node:net';
import type { InputHandle, SourceDriver } from '../../engine/source-driver.js';

export interface ListenOptions {
  host: string;
  port: number;
  maxConnections: number;
  /** Called once the server is listening, with the bound port. */
  onListening?(port: number): void;
  /** At a stop: a connection was in the middle of a line, whose bytes are not emitted. */
  unframed?(input: string, bytes: number): void;
  warn(line: string): void;
}

/**
 * A TCP server accepting many clients; each connection is framed on its own so
 * lines from different clients never mix. Runs until stopped. Backpressure
 * pauses every connection while downstream is full.
 */
export function listenSource(driver: SourceDriver, o: ListenOptions, settle: () => Promise<void>, onStop: (l: () => void) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const sockets = new Map<Socket, { name: string; input: InputHandle }>();
    let connectionNo = 0;
    const server = createServer((socket) => {
      if (sockets.size >= o.maxConnections) {
        o.warn(`sluice source: socket: refused a connection from ${socket.remoteAddress}: already ${o.maxConnections} connections (--max-connections)`);
        socket.destroy();
        return;
      }
      const name = `${socket.remoteAddress}:${socket.remotePort}#${++connectionNo}`;
      const input = driver.openInput(name);
      sockets.set(socket, { name, input });
      socket.on('data', (chunk: Buffer) => {
        try {
          input.push(chunk);
        } catch (err) {
          reject(err);
          return;
        }
        socket.pause();
        settle().then(() => socket.resume(), reject);
      });
      socket.on('end', () => {
        sockets.delete(socket);
        try {
          input.end();
        } catch (err) {
          reject(err);
        }
      });
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    });
    server.on('error', reject);
    server.listen(o.port, o.host, () => {
      const address = server.address();
      o.onListening?.(typeof address === 'object' && address ? address.port : o.port);
    });
    onStop(() => {
      server.close();
      for (const [s, { name, input }] of sockets) {
        s.destroy();
        const bytes = input.stop();
        if (bytes > 0) o.unframed?.(name, bytes);
      }
      resolve();
    });
  });
}
