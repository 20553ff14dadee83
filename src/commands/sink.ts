import type { Writable } from 'node:stream';
import { SinkCommitter } from '../engine/checkpoint/sink-committer.js';
import { AckClaim } from '../engine/ack/ack-claim.js';
import { UsageError } from '../engine/errors.js';
import { sinkKinds } from '../connectors/sinks/index.js';
import type { SinkInstance } from '../connectors/kinds.js';
import { batchOption, checkpointOptions, readingOptions } from './common-options.js';
import { runTransform } from './run-transform.js';
import type { Args, CommandIO, CommandSpec } from '../spec.js';
import { uniqueOptions } from './check-args.js';

export const sinkCommand: CommandSpec = {
  name: 'sink',
  summary: 'write records to stdout, a console table, files and more',
  description: ['Ends a pipeline. Control records are consumed here and never written to foreign outputs. Kinds:', ...sinkKinds.map((k) => k.describe)],
  positionals: [
    { name: 'kind', describe: sinkKinds.map((k) => k.name).join(', '), optional: true, choices: sinkKinds.map((k) => k.name) },
    { name: 'target', describe: 'the output (a file path, ...)', variadic: true, optional: true },
  ],
  options: [...uniqueOptions(sinkKinds.flatMap((k) => k.options)), ...readingOptions, batchOption, ...checkpointOptions],
  kinds: { positional: 'kind', fallback: 'stdout', kinds: sinkKinds },
  restAfterDashes: true,
  examples: [
    { cmd: `echo '{"a":1}' | sluice sink`, describe: 'NDJSON to stdout' },
    { cmd: `sluice source rate --per-second 5 --limit 10 | sluice sink console`, describe: 'a table per batch' },
    { cmd: `sluice source file docs/samples/words.txt | sluice sink file /tmp/words.ndjson`, describe: 'append to a file' },
  ],
  run: runSink,
};

/** Resolves once every byte written to `out` has been handed to the OS (a write into a full pipe stays queued in the process). */
function handedOn(out: Writable): Promise<void> | undefined {
  if (out.writableLength === 0 || out.destroyed) return undefined;
  return new Promise((resolve) => {
    const done = () => {
      out.off('close', done);
      resolve();
    };
    out.once('close', done);
    out.write('', done);
  });
}

async function runSink(args: Args, io: CommandIO): Promise<number> {
  const name = String(args['kind'] ?? 'stdout');
  const kind = sinkKinds.find((k) => k.name === name);
  if (!kind) throw new UsageError(`unknown sink kind '${name}'`);
  let instance: SinkInstance | undefined;
  // Without --checkpoint, a source that commits upstream (Kafka) learns from here which batches are done.
  const acks = args['checkpoint'] === undefined ? new AckClaim((line) => io.warn(`sluice sink: ${line}`), () => handedOn(io.stdout)) : undefined;
  try {
    return await runTransform(
      'sink',
      args,
      io,
      (writer, ctx) => {
        instance = kind.build(writer as never, ctx, args, io);
        if (ctx.checkpoint && !instance.commits) return new SinkCommitter(instance.downstream, ctx.checkpoint, () => handedOn(io.stdout));
        return instance.downstream;
      },
      { dataOnly: kind.dataOnlyStdout, commits: true, afterControl: acks && ((c) => acks.after(c)) },
    );
  } finally {
    await instance?.close?.();
    acks?.close();
  }
}
