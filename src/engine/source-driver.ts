import { BatchTimer } from './batch-timer.js';
import { alignDown, type Clock } from './clock.js';
import { isBlank, parseRecord, textRecordLine } from './codec.js';
import { newStreamToken, type Control, type ControlOf, type Positions } from './control.js';
import { CsvRecords } from './csv.js';
import type { ErrorPolicy } from './error-policy.js';
import { LineFramer, oversizeMessage, type TakenLines } from './framing.js';
import type { Downstream, PositionTracker } from './stream.js';
import type { ReadsFields, TakesBytes, TakesLines } from './fast/fields-read.js';
import { copyTextLines } from './fast/text-lines.js';
import { validLinesCopier } from './fast/copy-lines.js';
import { FlatProjector } from './fast/flat-fields.js';
import { fastPathsOn } from './fast/switch.js';

export type SourceFormat = 'text' | 'json' | 'csv';

export interface SourceDriverOptions {
  next: Downstream;
  clock: Clock;
  interval: number;
  bounded: boolean;
  /**
   * A bounded input's time (its newest file's modification time, epoch ms):
   * its batches are stamped with it instead of the wall clock, so a rerun over
   * unchanged files gives the same output, windows included.
   */
  boundedAt?: number;
  format: SourceFormat;
  /** --format csv: keep every field a string instead of inferring numbers. */
  csvStrings?: boolean;
  errors: ErrorPolicy;
  position: PositionTracker;
  maxLineBytes: number;
  maxDepth: number;
  strictUtf8?: boolean;
  /** Close a batch early after this many records (Spark's maxOffsetsPerTrigger). */
  maxRecordsPerBatch?: number;
  /** First batch id (a restarted source continues numbering). */
  firstBatchId?: number;
  resumeAfter?: number;
  /**
   * Why the source is stopping, if it is (a signal, the reader gone). With
   * `resumable` (--checkpoint) a stop is not the end of input: the next run
   * continues, so finish() flushes nothing.
   */
  stop?: { readonly reason?: string | undefined };
  resumable?: boolean;
  /** The acknowledgement directory announced in `start` (src/engine/ack/). */
  ack?: string;
}

/** Exact byte positions for an input read from `startOffset` (see SourceDriver.openInput). */
export interface InputTracking {
  startOffset: number;
  /** The key of the position in batch boundaries, when not the input's name (a directory's files share one). */
  key?: string;
  /** The position value a batch boundary carries once the input was read up to byte `end`. */
  at(end: number): unknown;
}

/** One byte stream of a source (a file, a socket connection), framed into lines on its own. */
export interface InputHandle {
  push(chunk: Buffer): void;
  /** End of input: a final line without a newline is a line. */
  end(): void;
  /**
   * A stop (signal, reader gone) before the end: the input ends at its last
   * complete line; the bytes of an unfinished line are not framed (a file's
   * position stays before them, so a resumed run reads that line whole).
   * Returns how many bytes were left unframed.
   */
  stop(): number;
  /** Bytes of this input turned into complete lines so far. */
  readonly bytesFramed: number;
}

/**
 * The shared half of every source: frames inputs into lines, turns lines into
 * records by format, and cuts the stream into batches: on the epoch-aligned
 * interval for live inputs, one batch for a bounded input, and early after
 * --max-records-per-batch records. Emits start, batch and eos control records.
 */
export class SourceDriver {
  private pending: Promise<void>[] = [];
  private timer: BatchTimer | undefined;
  private nextId: number;
  private batchStart = 0;
  private recordsInBatch = 0;
  private ended = false;
  /** See jsonProjector(); null until the first JSON line. */
  private projector: FlatProjector | undefined | null = null;
  private readonly positions: Positions = {};
  private readonly batchListeners: ((c: ControlOf<'batch'>, handedOn: Promise<void> | undefined) => void)[] = [];
  private beforeBoundary: ((end: number) => void) | undefined;
  recordsOut = 0;
  /** Bytes pushed into all inputs so far (progress display). */
  bytesIn = 0;

  constructor(private readonly o: SourceDriverOptions) {
    this.nextId = o.firstBatchId ?? 0;
  }

  /** The batch clock: the wall clock, or a bounded input's own time. */
  private now(): number {
    return this.o.bounded && this.o.boundedAt !== undefined ? this.o.boundedAt : this.o.clock.now();
  }

  async begin(): Promise<void> {
    const now = this.now();
    this.batchStart = alignDown(now, this.o.interval);
    const start: Control = { type: 'start', token: newStreamToken(), interval: this.o.interval, bounded: this.o.bounded, firstBatchStart: this.batchStart };
    if (this.o.resumeAfter !== undefined) start.resumeAfter = this.o.resumeAfter;
    if (this.o.ack !== undefined) start.ack = this.o.ack;
    await this.o.next.control(start);
    if (!this.o.bounded) {
      this.timer = new BatchTimer(this.o.clock, this.o.interval, (_start, end) => {
        this.beforeBoundary?.(end);
        this.closeBatch(end);
      });
    }
  }

  /**
   * A live source that makes its records on a schedule (rate) emits, in
   * `emitDue`, the records due before a boundary's time just before that
   * boundary: a process that stalled (a starved CPU) still puts each record
   * in the batch of its time.
   */
  beforeEachBoundary(emitDue: (end: number) => void): void {
    this.beforeBoundary = emitDue;
  }

  /** Wall time at which the open batch of a live source closes; undefined for a bounded one. */
  get openBatchEnd(): number | undefined {
    return this.timer?.currentEnd;
  }

  /**
   * Calls `listener` with every batch boundary as it is emitted, and what
   * downstream returned for it (a source that commits its positions, e.g. Kafka).
   */
  onBatch(listener: (c: ControlOf<'batch'>, handedOn: Promise<void> | undefined) => void): void {
    this.batchListeners.push(listener);
  }

  /**
   * Emits a control record of the source's own between records (Kafka's
   * partition `assign`, `part` and `restore`), in stream order.
   */
  announce(c: Control): void {
    if (this.ended) return;
    const p = this.o.next.control(c);
    if (p) this.pending.push(p);
  }

  /** Records the position a batch boundary will carry for one input (e.g. a byte offset). */
  setPosition(input: string, position: unknown): void {
    this.positions[input] = position;
  }

  /** Drops an input's position from later batch boundaries (a Kafka partition given to another group member). */
  clearPosition(input: string): void {
    delete this.positions[input];
  }

  /**
   * With `track`, every line read sets the input's position to track.at(end of
   * the line), before its record is emitted: a batch boundary then carries
   * exactly the bytes its records came from (a replayable file).
   */
  openInput(name: string, track?: InputTracking): InputHandle {
    const csv = this.o.format === 'csv' ? new CsvRecords(!this.o.csvStrings) : undefined;
    let bytesFramed = 0;
    // Lines in input order, bad ones with what is wrong with them (reported in that order too).
    let pending: { text?: string; lineNo: number; end?: number; bad?: string }[] = [];
    const flush = () => {
      const lines = pending;
      pending = [];
      for (const { text, lineNo, end, bad } of lines) {
        if (bad !== undefined) this.o.errors.badAt(`${name}:${lineNo}`, '', bad);
        if (track && end !== undefined) this.setPosition(track.key ?? name, track.at(end));
        if (text !== undefined) this.line(text, name, lineNo, csv);
      }
    };
    const takeBlock = this.blockTaker();
    /** Lines were taken a block at a time during the last push: the position is then set after it. */
    let tookBlock = false;
    const framer: LineFramer = new LineFramer(
      {
        takeLineBytes:
          takeBlock &&
          ((bytes, from, end, maxLineBytes) => {
            if (this.ended) return { to: from, lines: 0 };
            // Lines framed before this block go first.
            flush();
            const pos = this.o.position;
            pos.input = name;
            pos.line = framer.linesSeen;
            const taken: TakenLines = takeBlock(bytes, from, end, maxLineBytes);
            if (taken.lines > 0) {
              tookBlock = true;
              this.recordsOut += taken.records ?? taken.lines;
              this.recordsInBatch += taken.records ?? taken.lines;
            }
            return taken;
          }),
        line: (text, lineNo, end) => pending.push({ text, lineNo, end }),
        oversize: (lineNo, bytes, end) => pending.push({ lineNo, end, bad: oversizeMessage(bytes, this.o.maxLineBytes) }),
        invalidUtf8: (lineNo, end) => pending.push({ lineNo, end, bad: 'invalid UTF-8 (--strict-utf8)' }),
      },
      { maxLineBytes: this.o.maxLineBytes, strictUtf8: this.o.strictUtf8, trackOffsets: track !== undefined, startOffset: track?.startOffset },
    );
    return {
      push: (chunk) => {
        framer.push(chunk);
        bytesFramed += chunk.length;
        this.bytesIn += chunk.length;
        if (tookBlock && track) {
          // Every complete line so far was framed: the position is past the last one, or moves on with the lines after the block.
          tookBlock = false;
          this.setPosition(track.key ?? name, track.at(track.startOffset + bytesFramed - framer.heldBytes));
        }
        flush();
      },
      end: () => {
        framer.end();
        this.o.errors.replacedUtf8Lines(name, framer.replacedUtf8Lines);
        flush();
      },
      stop: () => {
        this.o.errors.replacedUtf8Lines(name, framer.replacedUtf8Lines);
        return framer.heldBytes;
      },
      get bytesFramed() {
        return bytesFramed;
      },
    };
  }

  private line(text: string, input: string, lineNo: number, csv: CsvRecords | undefined): void {
    if (this.ended || text.length === 0) return;
    // In text a line of spaces is data ({"value":"   "}); in JSON and CSV a blank line holds no record.
    if (this.o.format !== 'text' && isBlank(text)) return;
    const pos = this.o.position;
    pos.input = input;
    pos.line = lineNo;
    pos.raw = text;
    switch (this.o.format) {
      case 'text':
        // Under `sluice run`, a map after the source never reads the raw line: do not build it.
        this.emit({ value: text }, (this.o.next as { ignoresRaw?: boolean }).ignoresRaw === true ? undefined : textRecordLine(text));
        return;
      case 'json': {
        let record: unknown;
        try {
          record = this.jsonProjector()?.project(text) ?? parseRecord(text, this.o.maxDepth);
        } catch (err) {
          this.o.errors.bad((err as Error).message);
          return;
        }
        this.emit(record, text);
        return;
      }
      case 'csv': {
        const result = csv!.line(text);
        if (typeof result === 'string') this.o.errors.bad(result);
        else if (result) this.emit(result, undefined);
      }
    }
  }

  /**
   * `--format json` lines read by the field projector when downstream says
   * which fields it reads (none, for the stage's own writer): a line of a
   * learned layout is checked by one regular expression instead of JSON.parse
   * (fast/line-shapes.ts); any other line is parsed as before.
   */
  private jsonProjector(): FlatProjector | undefined {
    if (this.projector === null) {
      const fields = (this.o.next as ReadsFields).readsFields;
      this.projector = fastPathsOn() && fields !== undefined ? new FlatProjector(fields, this.o.maxDepth) : undefined;
    }
    return this.projector;
  }

  /**
   * `--format json` lines taken a read at a time instead of line by line,
   * when nothing cuts batches by record count: by the chain's head when it
   * takes undecoded lines itself (`sluice run`: the contract of
   * LineSink.takeLineBytes, as in a stage reading a pipe), else by this
   * source when its writer is next (checked by learned layouts and copied
   * as bytes: see fast/copy-lines.ts). `--format text` lines go as bytes to
   * the writer too, escaped on the way (fast/text-lines.ts).
   */
  private blockTaker(): ((bytes: Buffer, from: number, end: number, maxLineBytes: number) => TakenLines) | undefined {
    if ((this.o.format !== 'json' && this.o.format !== 'text') || !fastPathsOn() || this.o.maxRecordsPerBatch) return undefined;
    const head = this.o.next as Downstream & TakesLines & ReadsFields & Partial<TakesBytes>;
    if (this.o.format === 'text') {
      if (head.readsFields?.length !== 0 || typeof head.byteRoom !== 'function') return undefined;
      return (bytes, from, end, max) => copyTextLines(head as Downstream & TakesBytes, bytes, from, end, max);
    }
    if (head.takeLineBytes) return (bytes, from, end, max) => head.takeLineBytes!(bytes, from, end, max);
    if (head.readsFields?.length !== 0 || typeof head.byteRoom !== 'function') return undefined;
    return validLinesCopier(head as Downstream & TakesBytes, this.o.maxDepth);
  }

  /**
   * True when downstream reads no field of a record that comes with its raw
   * line (the stage's own NDJSON writer): a source may then forward a line it
   * validated without parsing it (kafka).
   */
  get rawSuffices(): boolean {
    return (this.o.next as ReadsFields).readsFields?.length === 0;
  }

  /** Emits one record built by the source itself (rate, kafka). */
  emit(record: unknown, raw: string | undefined): void {
    if (this.ended) return;
    this.o.next.data(record, raw);
    this.recordsOut++;
    this.recordsInBatch++;
    if (this.o.maxRecordsPerBatch && this.recordsInBatch >= this.o.maxRecordsPerBatch) {
      this.closeBatch(this.now());
    }
  }

  /** Waits while downstream is full or a batch is being committed; call between input chunks. */
  async settle(pressure?: () => Promise<void> | undefined): Promise<void> {
    while (this.pending.length > 0) {
      const waiting = this.pending;
      this.pending = [];
      await Promise.all(waiting);
    }
    const p = pressure?.();
    if (p) await p;
  }

  /**
   * Emits the batch boundary synchronously, so it lands exactly between the
   * records before and after it; what downstream returns is awaited in settle().
   */
  private closeBatch(end: number): void {
    if (this.ended) return;
    const start = this.batchStart;
    const c: Control = { type: 'batch', id: this.nextId++, start, end: Math.max(end, start) };
    if (Object.keys(this.positions).length > 0) c.positions = { ...this.positions };
    this.batchStart = c.end;
    this.recordsInBatch = 0;
    const p = this.o.next.control(c);
    if (p) this.pending.push(p);
    for (const listener of this.batchListeners) listener(c as ControlOf<'batch'>, p || undefined);
  }

  /**
   * End of input or a stop: `end` (every stage flushes what it holds), the
   * open batch (so the flushed rows belong to a batch every sink commits),
   * then end of stream. A stop of a resumable source sends no `end`.
   */
  async finish(): Promise<void> {
    this.timer?.stop();
    if (this.ended) return;
    const now = this.now();
    const end = this.o.bounded ? alignDown(now, this.o.interval) + this.o.interval : now;
    const stopped = this.o.resumable && this.o.stop?.reason !== undefined;
    const flush = !stopped;
    if (flush) {
      // Everything flushed must be downstream before the batch that carries it.
      const p = this.o.next.control({ type: 'end' });
      if (p) await p;
    }
    const emptyTail = !flush && this.recordsInBatch === 0 && this.o.maxRecordsPerBatch && this.nextId !== (this.o.firstBatchId ?? 0);
    // A bounded input is cut by record count or read whole, so a rerun replays the
    // same cut points: a stopped run leaves its half batch open (uncommitted) rather
    // than adding a cut that an uninterrupted run never makes.
    const halfBatch = stopped && this.o.bounded && this.recordsInBatch > 0;
    if (!emptyTail && !halfBatch) this.closeBatch(end);
    this.ended = true;
    const p = this.o.next.control({ type: 'eos' });
    if (p) this.pending.push(p);
    await this.settle();
  }
}
