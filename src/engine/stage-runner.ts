import { explainFailure } from './system-errors.js';
import type { Readable, Writable } from 'node:stream';
import { BatchTimer } from './batch-timer.js';
import { alignDown, type Clock } from './clock.js';
import { newStreamToken, type Control } from './control.js';
import { InputProtocol } from './protocol-reader.js';
import { isBlank, parseRecord } from './codec.js';
import type { StageContext } from './context.js';
import { ErrorPolicy, type OnError } from './error-policy.js';
import { DataError, ExitCode, StoppedError, UpstreamFailedError } from './errors.js';
import { LineFramer, oversizeMessage, type TakenLines } from './framing.js';
import { NdjsonWriter } from './ndjson-writer.js';
import { Serial } from './serial.js';
import type { StopSignal } from './stop-signal.js';
import type { StageCheckpoint } from './checkpoint/stage-checkpoint.js';
import { PositionTracker, type Downstream } from './stream.js';
import { fastPathsOn } from './fast/switch.js';
import { FlatProjector } from './fast/flat-fields.js';
import { validLinesCopier } from './fast/copy-lines.js';
import { capabilitiesOf, type StageObserver } from './capabilities.js';
import { unreadSpan } from './stdin-kind.js';

export interface StageOptions {
  command: string;
  input: Readable;
  inputName?: string;
  output: Writable;
  clock: Clock;
  stop: StopSignal;
  warn(line: string): void;
  onError: OnError;
  maxLineBytes: number;
  maxDepth: number;
  strictUtf8?: boolean;
  dataOnly?: boolean;
  /** Batch interval used when no sluice stage upstream sends batch boundaries. */
  fallbackInterval: number;
  /** Called once, when the first control record shows that a sluice stage is upstream (its batches are followed). */
  onUpstream?(): void;
  /** True when input is a regular file: then it is one batch. */
  boundedInput?: boolean;
  /** A bounded input's time (stdin's modification time): stamps its batch instead of the wall clock, so reruns agree. */
  boundedAt?: number;
  /** The input's descriptor when it is a regular file (stdin `< file`): a chain that can take a whole file (TakesLines.takeFile) may read it in place. */
  inputFd?: number;
  /** Builds the operator chain in front of the writer. */
  build(next: Downstream, ctx: StageContext): Downstream;
  /** Grace period to drain input after a signal before stopping, ms. */
  graceMs?: number;
  /** --checkpoint: saves and restores a Stateful operator at batch boundaries (see checkpoint/stage-checkpoint.ts). */
  checkpoint?: StageCheckpoint;
  /** Called after the chain handled each control record (the sink acknowledging batches to its source: src/engine/ack/). */
  afterControl?(c: Control): Promise<void> | void;
  /** Watches the stage from outside (--status). */
  observer?: StageObserver;
}

/** How long a non-source stage keeps draining its input after a signal. Long enough for a loaded machine's source to flush its last batch. */
export const SIGNAL_GRACE_MS = 3000;

const OVERSIZE = { bad: 'oversize' } as const;
const NOTHING_TAKEN: TakenLines = { to: 0, lines: 0 };
const INVALID_UTF8 = { bad: 'utf8' } as const;
type FramedLine = string | { bad: 'oversize'; bytes?: number } | typeof INVALID_UTF8;

/**
 * Runs one stage process: NDJSON lines in, operator chain, NDJSON lines out.
 * Follows batch boundaries from upstream, or keeps its own epoch-aligned clock
 * when upstream is a foreign tool. Returns the exit status.
 */
export async function runStage(o: StageOptions): Promise<number> {
  const position = new PositionTracker();
  position.input = o.inputName ?? 'stdin';
  const errors = new ErrorPolicy(o.command, o.onError, position, o.warn);
  let readerGone = false;
  let failure: unknown;
  /** The stage upstream sent `failed`: it has reported its error, so this stage ends quietly. */
  let upstreamFailed = false;
  const writer = new NdjsonWriter(o.output, {
    dataOnly: o.dataOnly,
    onClosed: () => {
      readerGone = true;
      o.stop.trigger('closed');
    },
    onUnserialisable: (err) => errors.bad(`cannot serialise output record: ${err.message}`),
  });
  const ctx: StageContext = { command: o.command, clock: o.clock, position, errors, warn: o.warn, checkpoint: o.checkpoint?.store, maxDepth: o.maxDepth };
  const gated = o.checkpoint ? o.checkpoint.wrap(writer) : writer;
  const chain = o.build(o.observer ? o.observer.wrapOutput(gated) : gated, ctx);
  // What the chain's head declares it can do, queried on the head itself (capabilities.ts).
  const caps = capabilitiesOf(chain);
  let recordsIn = 0;
  /** Data lines of a sluice stream so far, for error positions (see PositionTracker.record). */
  let dataLines = 0;
  o.observer?.attach(() => recordsIn, caps);
  const serial = new Serial();
  // When the chain says which fields it reads, flat records skip JSON.parse (src/engine/fast/).
  const fast = fastPathsOn();
  const projector = fast && caps.readsFields ? new FlatProjector(caps.readsFields, o.maxDepth) : undefined;
  const takeLine = fast ? caps.takeLine : undefined;
  // A chain that is the writer alone (`sluice sink` to stdout) writes each valid line as it came: whole reads are checked and copied as bytes.
  const takeLineBytes = fast ? (caps.takeLineBytes ?? (chain === writer ? validLinesCopier(writer, o.maxDepth) : undefined)) : undefined;
  const takeText = fast ? caps.takeText : undefined;
  // --checkpoint commits positions of a stream read in order.
  const takeFile = fast && !o.checkpoint && o.inputFd !== undefined ? caps.takeFile : undefined;

  const protocol = new InputProtocol(position.input);
  let mode: 'unknown' | 'upstream' | 'own' = 'unknown';
  let sawEos = false;
  let timer: BatchTimer | undefined;
  let nextId = 0;
  let lastEnd: number | undefined;
  let lines: FramedLine[] = [];
  let firstLineNo = 1;
  /** The rest of a read is framed but neither taken nor processed (handleChunk, after a failure). */
  let draining = false;

  // Lines of one read wait here for processLines(); lines an operator took
  // undecoded came before them, so the first one's number is taken from the framer.
  const waiting = (item: FramedLine, lineNo: number) => {
    if (lines.length === 0) firstLineNo = lineNo;
    lines.push(item);
  };
  // Lines an operator takes before they are framed one by one (undecoded, or
  // decoded a read at a time); only while no line of this read waits, so order
  // holds. The position is that of the line before the first one offered.
  const offer = <A extends unknown[]>(take: ((...args: A) => TakenLines) | undefined) =>
    take &&
    ((...args: A): TakenLines => {
      if (lines.length > 0 || mode === 'unknown' || sawEos || readerGone || failure || draining) return NOTHING_TAKEN;
      position.line = framer.linesSeen;
      if (mode === 'upstream') position.record = dataLines;
      const taken = take(...args);
      recordsIn += taken.lines;
      dataLines += taken.lines;
      return taken;
    });
  const framer = new LineFramer(
    {
      line: (text, n) => waiting(text, n),
      oversize: (n, bytes) => waiting({ bad: 'oversize', bytes }, n),
      invalidUtf8: (n) => waiting(INVALID_UTF8, n),
      takeLineBytes: offer(takeLineBytes),
      takeText: offer(takeText),
      // A control record is read (awaited) before the lines after it are offered whole again.
      pausesAtControl: true,
    },
    { maxLineBytes: o.maxLineBytes, strictUtf8: o.strictUtf8 },
  );

  const sendControl = async (c: Control) => {
    if (c.type === 'batch') {
      nextId = c.id + 1;
      lastEnd = c.end;
    }
    o.observer?.control(c);
    const pending = chain.control(c);
    if (pending) await pending;
    if (o.checkpoint) await o.checkpoint.after(c, caps.state);
    const acknowledged = o.afterControl?.(c);
    if (acknowledged) await acknowledged;
  };

  const batchClock = () => (o.boundedInput && o.boundedAt !== undefined ? o.boundedAt : o.clock.now());

  const startOwnClock = async () => {
    mode = 'own';
    // Pure data in, pure data out: control records are created only by sources,
    // so a stage behind a foreign tool never sends them on to another one.
    writer.dataOnly = true;
    await sendControl({ type: 'start', token: newStreamToken(), interval: o.fallbackInterval, bounded: Boolean(o.boundedInput), firstBatchStart: alignDown(batchClock(), o.fallbackInterval) });
    if (o.boundedInput) return;
    timer = new BatchTimer(o.clock, o.fallbackInterval, (start, end) => {
      void serial.run(() => sendControl({ type: 'batch', id: nextId, start, end })).catch(fail);
    });
  };

  /** End of input seen by this stage itself (a foreign upstream ending, a stop): flush, then the batch that carries the flushed rows. */
  const endOwnInput = async () => {
    await sendControl({ type: 'end' });
    await closeOwnBatch();
  };

  const closeOwnBatch = async () => {
    const now = batchClock();
    // A bounded input is one batch over the interval it falls in, as a source makes it.
    const end = o.boundedInput && lastEnd === undefined ? alignDown(now, o.fallbackInterval) + o.fallbackInterval : now;
    const start = timer ? timer.currentStart : (lastEnd ?? (o.boundedInput ? alignDown(now, o.fallbackInterval) : end));
    timer?.stop();
    await sendControl({ type: 'batch', id: nextId, start, end: Math.max(end, start) });
  };

  const processLines = async (batch: FramedLine[], firstNo: number) => {
    for (let i = 0; i < batch.length; i++) {
      if (sawEos || readerGone || failure) return;
      const item = batch[i]!;
      position.line = firstNo + i;
      if (typeof item !== 'string') {
        position.raw = '';
        if (mode === 'upstream') position.record = ++dataLines;
        if (item === INVALID_UTF8) errors.bad('invalid UTF-8 (--strict-utf8)');
        else errors.bad(oversizeMessage((item as { bytes?: number }).bytes, o.maxLineBytes));
        continue;
      }
      if (isBlank(item)) continue;
      position.raw = item;
      const c = protocol.read(item, position.line);
      if (c) {
        if (mode !== 'upstream') o.onUpstream?.();
        mode = 'upstream';
        if (c.type === 'failed') {
          upstreamFailed = true;
          continue;
        }
        if (c.type === 'eos') sawEos = true;
        await sendControl(c);
        continue;
      }
      if (mode === 'unknown') await startOwnClock();
      recordsIn++;
      if (mode === 'upstream') position.record = ++dataLines;
      if (takeLine?.(item)) continue;
      let record: unknown;
      try {
        record = projector?.project(item) ?? parseRecord(item, o.maxDepth);
      } catch (err) {
        errors.bad((err as Error).message);
        continue;
      }
      chain.data(record, item);
    }
  };

  const handleChunk = async (chunk: Buffer) => {
    lines = [];
    framer.push(chunk);
    try {
      await processLines(lines, firstLineNo);
      while (framer.paused && !(sawEos || readerGone || failure)) {
        lines = [];
        framer.resume();
        await processLines(lines, firstLineNo);
      }
    } finally {
      // After an end of stream or a failure the rest of the read is still framed, not processed: what the framer counts (replaced UTF-8) is reported as before.
      draining = true;
      while (framer.paused) {
        lines = [];
        framer.resume();
      }
      draining = false;
    }
    if (writer.pressure()) writer.flush();
    else writer.flush();
    const p = writer.pressure();
    if (p) await p;
    const held = caps.pressure?.();
    if (held) await held;
  };

  const finishInput = async () => {
    lines = [];
    framer.end();
    await processLines(lines, firstLineNo);
    if (readerGone || failure) return;
    if (mode === 'upstream' && !sawEos && !o.stop.reason) {
      if (upstreamFailed) throw new UpstreamFailedError('the stage before this one failed');
      throw new DataError('input ended without an end-of-stream record: the stage before this one failed or was killed; open batches were not emitted');
    }
    if (mode === 'unknown' && o.checkpoint && !o.stop.reason) {
      // Nothing at all came in: most likely the sluice stage before this one died before its first line.
      // A batch of this stage's own would be committed with no source positions behind it.
      throw new DataError('input ended before its first line: with --checkpoint nothing is committed for an empty input (did the stage before this one fail or get killed?)', position.input);
    }
    if (mode === 'unknown') await startOwnClock();
    if (mode === 'own' || (mode === 'upstream' && !sawEos)) {
      // With a checkpoint, a boundary the source never sent must not be committed.
      if (!(o.checkpoint && mode === 'upstream')) await endOwnInput();
      await sendControl({ type: 'eos' });
    }
  };

  /** The chain took the whole input file in place (takeFile): then it is not read as a stream. */
  const tookWholeFile = async (): Promise<boolean> => {
    const span = takeFile && unreadSpan(o.inputFd!);
    if (!span) return false;
    // A signal stops the reading after the grace period a stream's reading gets; the rows of what was read are emitted.
    const stop = new AbortController();
    let grace: { cancel(): void } | undefined;
    let read = false;
    o.stop.onStop((reason) => {
      if (reason !== 'closed' && !read) grace = o.clock.setTimer(o.graceMs ?? SIGNAL_GRACE_MS, () => stop.abort());
    });
    try {
      const lines = await takeFile!(o.inputFd!, span.from, span.size, o.maxLineBytes, stop.signal).finally(() => {
        read = true;
        grace?.cancel();
      });
      if (lines === undefined) return false;
      position.line = lines;
      recordsIn += lines;
      await serial.run(finishInput);
    } catch (err) {
      failure ??= err;
    }
    return true;
  };

  let fail: (err: unknown) => void = () => undefined;
  let graceTimer: { cancel(): void } | undefined;
  if (!(await tookWholeFile())) await new Promise<void>((resolve) => {
    let settled = false;
    const settle = () => {
      if (!settled) {
        settled = true;
        resolve();
      }
    };
    fail = (err) => {
      failure ??= err;
      o.input.pause();
      settle();
    };
    o.input.on('data', (chunk: Buffer) => {
      o.input.pause();
      serial.run(() => handleChunk(chunk)).then(() => {
        if (sawEos) settle();
        else if (!settled) o.input.resume();
      }, fail);
    });
    o.input.on('end', () => serial.run(finishInput).then(settle, fail));
    o.input.on('error', fail);
    o.stop.onStop((reason) => {
      if (reason === 'closed') {
        o.input.pause();
        settle();
        return;
      }
      // After a signal, keep draining input briefly so a Ctrl-C to the whole
      // pipeline loses nothing in flight; then close the batch and stop.
      graceTimer = o.clock.setTimer(o.graceMs ?? SIGNAL_GRACE_MS, () => {
        if (settled) return;
        o.input.pause();
        serial.run(async () => {
          if (mode === 'unknown') await startOwnClock();
          if (!sawEos) {
            // With a checkpoint, a boundary the source never sent must not be
            // committed: its records are replayed in the batch the source cuts.
            // Without one, a stop is the end of input: everything held is flushed into that batch.
            if (!(o.checkpoint && mode === 'upstream')) await endOwnInput();
            await sendControl({ type: 'eos' });
          }
        }).then(settle, fail);
      });
    });
  });
  timer?.stop();
  graceTimer?.cancel();
  o.stop.dispose();

  errors.replacedUtf8Lines(position.input, framer.replacedUtf8Lines);
  const shaped = protocol.summary(o.command);
  if (shaped) o.warn(shaped);
  const summary = errors.summary();
  if (summary) o.warn(summary);
  if (failure && !(failure instanceof UpstreamFailedError)) o.warn(failureMessage(o.command, failure));
  if (failure && !(failure instanceof StoppedError) && !readerGone) tellDownstreamFailed(writer);
  if (!readerGone) await writer.finish();
  if (failure && !(failure instanceof StoppedError)) return ExitCode.failure;
  return o.stop.exitCode();
}

export function failureMessage(command: string, err: unknown): string {
  if (err instanceof DataError) {
    // Under `sluice run` the stage that found it is named after the run: `sluice run: map: in.ndjson:2: ...`.
    const stage = err.command !== undefined && err.command !== command ? `${err.command}: ` : '';
    return `sluice ${command}: ${stage}${err.where ? `${err.where}: ` : ''}${err.message}`;
  }
  return `sluice ${command}: ${explainFailure(err)}`;
}

/**
 * After a failure, one `failed` control record tells the sluice stages
 * downstream that the error was reported here, so a failure prints one
 * message, not one per stage. Only when a stream was started (a control record
 * needs its token); a data-only writer drops it like any control record.
 */
export function tellDownstreamFailed(writer: { control(c: Control): void | Promise<void> }): void {
  try {
    void writer.control({ type: 'failed' });
  } catch {
    /* no stream started: nothing downstream follows this stage's batches */
  }
}
