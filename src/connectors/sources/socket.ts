import { connect } from 'node:net';
import { DataError, UsageError } from '../../engine/errors.js';
import type { SourceKind } from '../kinds.js';
import { pumpStream, reportUnframed } from './read-stream.js';
import { listenSource } from './socket-server.js';

/** Splits HOST:PORT (or a bare PORT) into its parts. */
export function parseHostPort(text: string, defaultHost = 'localhost'): { host: string; port: number } {
  const m = /^(?:\[?([^\]]*?)\]?:)?(\d{1,5})$/.exec(text);
  if (!m || Number(m[2]) > 65535) throw new UsageError(`'${text}' is not HOST:PORT`);
  return { host: m[1] || defaultHost, port: Number(m[2]) };
}

export const socketSource: SourceKind = {
  name: 'socket',
  describe: "socket HOST:PORT: lines from a TCP server (like Spark's socketTextStream reading nc -lk); socket --listen PORT: be the server, many clients at once",
  options: [
    { name: 'listen', type: 'number', placeholder: 'PORT', kind: 'port', describe: 'socket: be a TCP server on PORT (0 picks a free port, printed on stderr)' },
    { name: 'host', type: 'string', default: '127.0.0.1', describe: 'socket --listen: address to bind' },
    { name: 'max-connections', type: 'number', placeholder: 'N', default: 64, integer: true, min: 1, describe: 'socket --listen: most clients at once' },
  ],
  validate(args, targets) {
    if (args['listen'] === undefined && targets.length !== 1) throw new UsageError('source socket needs HOST:PORT, or --listen PORT');
    if (args['listen'] === undefined) parseHostPort(targets[0]!);
  },
  bounded: () => false,
  async run({ driver, args, targets, io, settle, onStop }) {
    const listen = args['listen'] as number | undefined;
    if (listen !== undefined) {
      const host = String(args['host']);
      await listenSource(
        driver,
        {
          host,
          port: listen,
          maxConnections: Number(args['max-connections']),
          warn: io.warn,
          onListening: (port) => (listen === 0 ? io.warn(`sluice source: listening on ${host}:${port}`) : undefined),
          unframed: (input, bytes) => reportUnframed(input, io)(bytes),
        },
        settle,
        onStop,
      );
      return;
    }
    const { host, port } = parseHostPort(targets[0]!);
    const socket = connect({ host, port });
    try {
      await pumpStream(socket, driver.openInput(`${host}:${port}`), settle, onStop, reportUnframed(`${host}:${port}`, io));
    } catch (err) {
      if (err instanceof DataError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      throw new DataError(`socket ${host}:${port}: ${code === 'ECONNREFUSED' ? 'connection refused (is a server listening?)' : (err as Error).message}`);
    } finally {
      socket.destroy();
    }
  },
};
