import { createReadStream } from 'node:fs';
import { connect } from 'node:net';
import { pumpStream } from '../connectors/read-stream.js';
import { rateSource } from '../connectors/rate.js';
import { listenSource } from '../connectors/socket-server.js';
import { ErrorPolicy } from '../engine/error-policy.js';
import { DataError, ExitCode, UsageError } from '../engine/errors.js';
import { NdjsonWriter } from '../engine/ndjson-writer.js';
import { SourceDriver, type SourceFormat } from '../engine/source-driver.js';
import { failureMessage } from '../engine/stage-runner.js';
import { PositionTracker } from '../engine/stream.js';
import { batchInterval, batchOption, dataOnlyOption, readingOptions, readingSettings } from './common-options.js';
import { stdinIsFile } from './run-transform.js';
import type { Args, CommandIO, CommandSpec } from './spec.js';

const KINDS = ['stdin', 'file', 'socket', 'rate'] as const;
type Kind = (typeof KINDS)[number];

/** Splits HOST:PORT (or a bare PORT) into its parts. */
export function parseHostPort(text: string, defaultHost = 'localhost'): { host: string; port: number } {
  const m = /^(?:\[?([^\]]*?)\]?:)?(\d{1,5})$/.exec(text);
  if (!m || Number(m[2]) > 65535) throw new UsageError(`'${text}' is not HOST:PORT`);
  return { host: m[1] || defaultHost, port: Number(m[2]) };
}

export const sourceCommand: CommandSpec = {
  name: 'source',
  summary: 'read records from stdin, files, TCP sockets or a rate generator, in batches',
  description: [
    'Starts a pipeline: reads input, turns it into records and cuts the stream into batches with in-band control records that every later stage follows. Kinds: stdin (default); file PATH... (bounded: one batch); socket HOST:PORT (connects to a server, like Spark\'s socketTextStream reading from nc -lk); socket --listen PORT (a server accepting many clients); rate (synthetic {"timestamp", "value"} records, like Spark\'s rate source).',
    'With --format text every line becomes {"value": line}; json takes each line as a JSON record; csv takes the first line as the header. Live inputs are batched every --batch interval, on boundaries aligned to the Unix epoch. A bounded input (a file, or stdin redirected from a file) is one batch unless --max-records-per-batch cuts it.',
    'When the input ends (or the server closes the connection) the open batch is emitted and the pipeline ends with status 0. SIGINT or SIGTERM closes the open batch, flushes, and exits 130 or 143.',
  ],
  positionals: [
    { name: 'kind', describe: 'stdin, file, socket or rate', optional: true, choices: [...KINDS] },
    { name: 'target', describe: 'file paths, or HOST:PORT for socket', variadic: true, optional: true },
  ],
  options: [
    { name: 'format', type: 'string', default: 'text', choices: ['text', 'json', 'csv'], describe: 'how input lines become records' },
    batchOption,
    { name: 'listen', type: 'number', placeholder: 'PORT', describe: 'socket: be a TCP server on PORT (0 picks a free port, printed on stderr)' },
    { name: 'host', type: 'string', default: '127.0.0.1', describe: 'socket --listen: address to bind' },
    { name: 'max-connections', type: 'number', default: 64, describe: 'socket --listen: most clients at once' },
    { name: 'per-second', type: 'number', default: 1, describe: 'rate: records per second' },
    { name: 'limit', type: 'number', placeholder: 'N', describe: 'rate: stop after N records' },
    { name: 'max-records-per-batch', type: 'number', placeholder: 'N', describe: 'close a batch after N records (Spark\'s maxOffsetsPerTrigger)' },
    ...readingOptions,
    dataOnlyOption,
  ],
  examples: [
    { cmd: 'sluice source file words.txt', describe: 'lines of a file as {"value": line}, one batch' },
    { cmd: 'sluice source socket localhost:9999', describe: 'lines from a TCP server such as nc -lk 9999' },
    { cmd: 'sluice source socket --listen 9999', describe: 'accept clients on port 9999' },
    { cmd: 'sluice source rate --per-second 100 --limit 300', describe: 'synthetic records' },
  ],
  run: runSource,
};

async function runSource(args: Args, io: CommandIO): Promise<number> {
  const kind = (args['kind'] ?? 'stdin') as Kind;
  const targets = ((args['target'] as unknown[] | undefined) ?? []).map(String);
  const settings = readingSettings(args);
  const interval = batchInterval(args);
  const listen = args['listen'] as number | undefined;
  if (kind === 'file' && targets.length === 0) throw new UsageError('source file needs at least one PATH');
  if (kind === 'socket' && targets.length !== 1 && listen === undefined) throw new UsageError('source socket needs HOST:PORT, or --listen PORT');
  const position = new PositionTracker();
  const errors = new ErrorPolicy('source', settings.onError, position, io.warn);
  const writer = new NdjsonWriter(io.stdout, { dataOnly: Boolean(args['data-only']) || io.stdoutIsTTY, onClosed: () => io.stop.trigger('closed') });
  const bounded = kind === 'file' || (kind === 'stdin' && stdinIsFile());
  const driver = new SourceDriver({
    next: writer,
    clock: io.clock,
    interval,
    bounded,
    format: args['format'] as SourceFormat,
    errors,
    position,
    maxLineBytes: settings.maxLineBytes,
    maxDepth: settings.maxDepth,
    strictUtf8: settings.strictUtf8,
    maxRecordsPerBatch: args['max-records-per-batch'] as number | undefined,
  });
  const settle = () => driver.settle(() => writer.pressure());
  const onStop = (listener: () => void) => io.stop.onStop(() => listener());
  let failure: unknown;
  try {
    await driver.begin();
    switch (kind) {
      case 'stdin':
        await pumpStream(io.stdin, driver.openInput('stdin'), settle, onStop);
        break;
      case 'file':
        for (const path of targets) {
          if (io.stop.reason) break;
          await pumpStream(createReadStream(path, { highWaterMark: 1 << 20 }), driver.openInput(path), settle, onStop).catch((err: NodeJS.ErrnoException) => {
            if (err instanceof DataError) throw err;
            throw new DataError(`cannot read ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
          });
        }
        break;
      case 'socket':
        if (listen !== undefined) {
          await listenSource(
            driver,
            {
              host: String(args['host']),
              port: listen,
              maxConnections: Number(args['max-connections']),
              warn: io.warn,
              onListening: (port) => (listen === 0 ? io.warn(`sluice source: listening on ${String(args['host'])}:${port}`) : undefined),
            },
            settle,
            onStop,
          );
        } else {
          const { host, port } = parseHostPort(targets[0]!);
          const socket = connect({ host, port });
          socket.on('error', () => undefined);
          await pumpStream(socket, driver.openInput(`${host}:${port}`), settle, onStop).catch((err: NodeJS.ErrnoException) => {
            throw new DataError(`socket ${host}:${port}: ${err.code === 'ECONNREFUSED' ? 'connection refused (is a server listening?)' : err.message}`);
          });
          socket.destroy();
        }
        break;
      case 'rate':
        await rateSource(driver, { perSecond: Number(args['per-second']), limit: args['limit'] as number | undefined, clock: io.clock }, settle, onStop);
        break;
    }
    await driver.finish();
  } catch (err) {
    if (err instanceof UsageError) throw err;
    failure = err;
  }
  io.stop.dispose();
  const summary = errors.summary();
  if (summary) io.warn(summary);
  if (failure) io.warn(failureMessage('source', failure));
  if (!writer.closed) await writer.finish();
  return failure ? ExitCode.failure : io.stop.exitCode();
}
