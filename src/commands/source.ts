import { watchStdoutReader } from '../engine/reader-gone.js';
import { sourceKinds } from '../connectors/sources/index.js';
import { ErrorPolicy } from '../engine/error-policy.js';
import { DataError, ExitCode, UsageError } from '../engine/errors.js';
import { NdjsonWriter } from '../engine/ndjson-writer.js';
import { SourceDriver, type SourceFormat } from '../engine/source-driver.js';
import { failureMessage, tellDownstreamFailed } from '../engine/stage-runner.js';
import { PositionTracker } from '../engine/stream.js';
import { batchInterval, batchOption, checkpointOptions, checkpointTarget, dataOnlyOption, readingOptions, readingSettings } from './common-options.js';
import type { Args, CommandIO, CommandSpec } from '../spec.js';
import { uniqueOptions } from './check-args.js';
import { foreignReaderHint } from './pipe-hints.js';
import { openSourceCheckpoint, type SourceResume } from '../engine/checkpoint/source-resume.js';
import type { SourceKind } from '../connectors/kinds.js';
import { fileProgressBar, stageStatus } from './terminal-display.js';
import type { StageContext } from '../engine/context.js';
import type { Downstream } from '../engine/stream.js';
import { capabilitiesOf } from '../engine/capabilities.js';
import { createAckDir, removeAckDir, stdoutMayReachAStage } from '../engine/ack/ack-dir.js';

export const sourceCommand: CommandSpec = {
  name: 'source',
  summary: 'read records from stdin, files, TCP sockets, a rate generator and more, in batches',
  description: [
    'Starts a pipeline: reads input, turns it into records and cuts the stream into batches with in-band control records that every later stage follows. Kinds:',
    ...sourceKinds.map((k) => k.describe),
    'With --format text every line becomes {"value": line}; json takes each line as a JSON record; csv takes the first line as the header. Live inputs are batched every --batch interval, on boundaries aligned to the Unix epoch. A bounded input is one batch unless --max-records-per-batch cuts it.',
    'When the input ends (or the server closes the connection) the open batch is emitted and the pipeline ends with status 0. SIGINT or SIGTERM closes the open batch, flushes, and exits 130 or 143.',
  ],
  positionals: [
    { name: 'kind', describe: sourceKinds.map((k) => k.name).join(', ') + ' (default stdin)', optional: true, choices: sourceKinds.map((k) => k.name) },
    { name: 'target', describe: 'file paths, HOST:PORT, ...', variadic: true, optional: true },
  ],
  options: [
    { name: 'format', type: 'string', default: 'text', choices: ['text', 'json', 'csv'], describe: 'how input lines become records' },
    {
      name: 'infer-none',
      type: 'boolean',
      default: false,
      describe: "with --format csv: keep every field a string (Miller's -S). By default an unquoted field written as a JSON number becomes a number, unless digits would be lost: 12, -3.5 and 1e3 are numbers; 007, +5, .5, \"12\" (quoted) and 12345678901234567890 stay strings",
    },
    batchOption,
    { name: 'max-records-per-batch', type: 'number', placeholder: 'N', integer: true, min: 1, describe: "close a batch after N records (Spark's maxOffsetsPerTrigger)" },
    ...uniqueOptions(sourceKinds.flatMap((k) => k.options)),
    ...readingOptions,
    ...checkpointOptions,
    dataOnlyOption,
  ],
  kinds: { positional: 'kind', fallback: 'stdin', kinds: sourceKinds },
  restAfterDashes: true,
  examples: [
    { cmd: 'sluice source file docs/samples/words.txt', describe: 'lines of a file as {"value": line}, one batch' },
    { cmd: 'sluice source file docs/samples/sales.csv --format csv', describe: 'CSV rows as records; fields written as numbers are numbers' },
    { cmd: 'sluice source socket localhost:9999', describe: 'lines from a TCP server such as nc -lk 9999', live: true },
    { cmd: 'sluice source socket --listen 9999', describe: 'accept clients on port 9999', live: true },
    { cmd: 'sluice source rate --per-second 100 --limit 300', describe: 'synthetic records' },
  ],
  run: runSource,
};

/** How `sluice run` puts its operators between the source and the output, in one process. */
export interface SourceChain {
  /** Name for diagnostics (`sluice run: ...`). */
  command: string;
  dataOnly?: boolean;
  build(writer: NdjsonWriter, ctx: StageContext): Downstream;
}

export async function runSource(args: Args, io: CommandIO, chain?: SourceChain): Promise<number> {
  const name = String(args['kind'] ?? 'stdin');
  const kind = sourceKinds.find((k) => k.name === name);
  if (!kind) throw new UsageError(`unknown source kind '${name}'`);
  // After `--` every word is a target, even one that starts with a dash.
  const targets = [...((args['target'] as unknown[] | undefined) ?? []), ...io.rest].map(String);
  kind.validate?.(args, targets);
  const resume = sourceCheckpoint(args, kind, name, targets);
  // On a terminal stderr: a progress bar over bounded files, else the --status line.
  const bar = kind.bounded(args, targets) && targets.length > 0
    ? fileProgressBar(targets, io, io.clock, { bytes: () => driver.bytesIn, records: () => driver.recordsOut })
    : undefined;
  const status = bar ? undefined : stageStatus('source', args, io);
  const live = bar ?? status?.line;
  if (live) io = { ...io, warn: live.warn };
  const settings = readingSettings(args);
  const position = new PositionTracker();
  const errors = new ErrorPolicy('source', settings.onError, position, io.warn);
  const dataOnly = chain?.dataOnly ?? (Boolean(args['data-only']) || io.stdoutIsTTY);
  const hint = foreignReaderHint(chain?.command ?? 'source', dataOnly, io.warn);
  hint.controlFlows();
  const writer = new NdjsonWriter(io.stdout, {
    dataOnly,
    onClosed: () => io.stop.trigger('closed'),
    // Under sluice run a map before the writer can build one (a BigInt): the same bad record as a separate stage's writer reports.
    onUnserialisable: (err) => errors.bad(`cannot serialise output record: ${err.message}`),
  });
  const head: Downstream = chain ? chain.build(writer, { command: 'source', clock: io.clock, position, errors, warn: io.warn, maxDepth: settings.maxDepth }) : writer;
  // `sluice run`, data-only output, or stdout into a file: this process's output is the end of the pipeline, nothing acknowledges.
  const ackDir = resume === undefined && !chain && !dataOnly && kind.acknowledged?.(args) && stdoutMayReachAStage() ? createAckDir() : undefined;
  const driver: SourceDriver = new SourceDriver({
    next: head,
    clock: io.clock,
    interval: batchInterval(args),
    bounded: kind.bounded(args, targets),
    boundedAt: kind.boundedAt?.(args, targets),
    format: args['format'] as SourceFormat,
    csvStrings: Boolean(args['infer-none']),
    errors,
    position,
    maxLineBytes: settings.maxLineBytes,
    maxDepth: settings.maxDepth,
    strictUtf8: settings.strictUtf8,
    maxRecordsPerBatch: args['max-records-per-batch'] as number | undefined,
    firstBatchId: resume?.resumeAfter === undefined ? undefined : resume.resumeAfter + 1,
    resumeAfter: resume?.resumeAfter,
    stop: io.stop,
    resumable: resume !== undefined,
    ack: ackDir,
  });
  // --status watches the source from outside: what it emitted in, what its writer wrote out.
  status?.attach(() => driver.recordsOut, capabilitiesOf(head));
  status?.countOutputWith(() => writer.recordsOut);
  if (status) driver.onBatch((c) => status.control(c));
  live?.start();
  // Data only on a live input: nothing may be written for a long time, so the reader's going is watched.
  const endWatch = dataOnly && io.stdout === process.stdout && !kind.bounded(args, targets) ? watchStdoutReader(() => io.stop.trigger('closed')) : undefined;
  let failure: unknown;
  try {
    await driver.begin();
    await kind.run({
      driver,
      args,
      targets,
      io,
      // Whatever a chunk of input produced goes downstream now, not at the batch
      // boundary: a map or filter behind a live source shows records as they arrive.
      settle: () => {
        writer.flush();
        return driver.settle(() => writer.pressure());
      },
      onStop: (listener) => io.stop.onStop(() => listener()),
      resume: resume?.positions,
      ackDir,
    });
    await driver.finish();
  } catch (err) {
    if (err instanceof UsageError) {
      endWatch?.();
      live?.stop();
      if (ackDir) removeAckDir(ackDir);
      throw err;
    }
    failure = err;
  }
  endWatch?.();
  live?.stop();
  resume?.store.close();
  if (ackDir) removeAckDir(ackDir);
  io.stop.dispose();
  const summary = errors.summary();
  if (summary) io.warn(summary);
  if (failure) io.warn(failureMessage(chain?.command ?? 'source', failure));
  if (failure && !writer.closed) tellDownstreamFailed(writer);
  if (!writer.closed) await writer.finish();
  hint.check();
  return failure ? ExitCode.failure : io.stop.exitCode();
}

/**
 * --checkpoint on a source: where to resume (the sink's last commit), for kinds
 * that can. A commit that holds positions, none of them this source's input,
 * was made by another pipeline (or this one before its input moved): reading
 * from the start would append everything again behind what the sink committed.
 */
function sourceCheckpoint(args: Args, kind: SourceKind, name: string, targets: string[]): SourceResume | undefined {
  const target = checkpointTarget(args, 'source');
  if (!target) return undefined;
  if (!kind.replay) throw new UsageError(`source ${name} cannot be replayed from positions, so --checkpoint does not apply to it`);
  if (args['format'] === 'csv') throw new UsageError('--checkpoint with --format csv is not supported: a resumed read would start after the header line');
  const resume = openSourceCheckpoint(target.dir, target.role);
  const held = Object.keys(resume.positions ?? {});
  if (held.length > 0 && !kind.replay.owns(resume.positions!, args, targets)) {
    resume.store.close();
    const shown = held.slice(0, 3).join(', ') + (held.length > 3 ? ` and ${held.length - 3} more` : '');
    throw new DataError(
      `checkpoint ${target.dir}: the sink's last commit (batch ${resume.resumeAfter}) holds the positions of ${shown}, none of this source's input; ` +
        `starting over would write again what the sink committed. Give the input it was made for, another --checkpoint DIR, or remove ${target.dir} to start over`,
    );
  }
  return resume;
}
