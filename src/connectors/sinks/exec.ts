import { parseDuration } from '../../engine/duration.js';
import { UsageError } from '../../engine/errors.js';
import type { SinkKind } from '../kinds.js';
import { ExecSink } from './exec-sink.js';

export const execSinkKind: SinkKind = {
  name: 'exec',
  describe:
    "exec -- CMD ARG...: run CMD once per batch that has rows (--per window: once per window), with the batch's records as NDJSON on its stdin, like Spark's foreachBatch. No shell: CMD and its ARGs are passed as given and nothing from the data reaches them; SLUICE_BATCH_ID, SLUICE_BATCH_START, SLUICE_BATCH_END (ISO-8601; _MS variants in epoch ms) and SLUICE_RECORDS describe the batch. A non-zero exit or a --timeout is retried (--retries), then the stage fails with exit 1 and the batch is not done; only the stdout of the attempt that succeeded is passed on. SIGINT/SIGTERM stops a running command (SIGTERM to its process group, SIGKILL 3 s later), starts no other, and the stage exits 130/143",
  options: [
    { name: 'per', type: 'string', default: 'batch', choices: ['batch', 'window'], describe: 'exec: run once per batch, or once per distinct window of a batch (SLUICE_WINDOW_START/END set)' },
    { name: 'retries', type: 'number', default: 2, placeholder: 'N', integer: true, min: 0, describe: 'exec: run a failed batch again up to N times before failing' },
    { name: 'timeout', type: 'string', placeholder: 'DURATION', kind: 'duration', describe: 'exec: kill a command that runs longer than this (SIGTERM to its process group, SIGKILL 3 s later); the attempt fails and is retried. Default: no limit' },
    { name: 'retry-backoff', type: 'string', default: '1s', placeholder: 'DURATION', kind: 'duration', describe: 'exec: wait before the first retry; doubled for each further one' },
  ],
  build(_stdout, ctx, args, io) {
    if (io.rest.length === 0 || io.rest[0] === '') throw new UsageError("sink exec needs a command after '--', e.g. sluice sink exec -- wc -l");
    const retries = Number(args['retries']);
    if (!Number.isInteger(retries) || retries < 0) throw new UsageError(`--retries '${String(args['retries'])}' must be a whole number >= 0`);
    const timeout = args['timeout'] === undefined ? undefined : String(args['timeout']);
    const timeoutMs = timeout === undefined ? 0 : parseDuration(timeout, '--timeout');
    const sink = new ExecSink({
      argv: io.rest,
      per: args['per'] === 'window' ? 'window' : 'batch',
      retries,
      backoffMs: parseDuration(String(args['retry-backoff']), '--retry-backoff'),
      timeoutMs,
      timeoutText: timeout ?? '',
      clock: io.clock,
      stop: io.stop,
      stdout: io.stdout,
      warn: io.warn,
      bad: (what) => ctx.errors.bad(what),
    });
    return { downstream: sink, close: () => sink.close() };
  },
};
