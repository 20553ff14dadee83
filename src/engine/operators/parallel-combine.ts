import { isUtf8 } from 'node:buffer';
import type { StageContext } from '../context.js';
import { bytesLookLikeControl, type Control } from '../control.js';
import { buildAggregate, type Aggregate } from '../aggregates.js';
import type { TakenLines } from '../framing.js';
import { reduceReadsFields } from '../fast/fields-read.js';
import type { Stateful } from '../stateful.js';
import type { Downstream } from '../stream.js';
import { lineForWorker, MAX_IN_FLIGHT, WorkerLanes } from './parallel-lanes.js';
import type { FromWorker, ToWorker, WorkerReduceOptions, WorkerSetup } from './parallel-protocol.js';
import type { PackedGroups, PartialGroup } from './partial-pack.js';
import { PartialPacker } from './partial-pack.js';
import { ChunkAggregator } from './chunk-aggregator.js';
import { afterBom, cutRanges, shiftLine, takeRange, type ReadingRange } from './file-ranges.js';
import { ReduceByKeyOperator } from './reduce-by-key.js';
import { traceParallel } from './parallel-trace.js';
import type { RecordWindow } from '../window/record-window.js';

/**
 * Bytes of input lines per message to a worker: the size of each worker's
 * shared slots (SLUICE_COMBINE_CHUNK_BYTES: smaller, for tests whose inputs
 * must be shared out in many chunks).
 */
const CHUNK_BYTES = Number(process.env['SLUICE_COMBINE_CHUNK_BYTES']) || 2 * 1024 * 1024;
const LF = 10;

export interface CombineOptions {
  /** Threads that aggregate: this one and workers - 1 worker threads. */
  workers: number;
  reduce: WorkerReduceOptions;
  /** --max-depth: the workers parse the lines. */
  maxDepth: number;
  progress?: (line: string) => void;
}

type Partial = Extract<FromWorker, { t: 'partial' }>;
/** What one thread aggregated between two control records; a file's range is numbered within itself, its lines and sequence numbers shifted by the offsets. */
type Share = Pick<Partial, 'batch' | 'bad'> & { lineOffset?: number; seqOffset?: number };

/** A worker with this many chunks queued has enough to do: the stage's thread aggregates the next read itself. */
const QUEUED_ENOUGH = 2;
/** SLUICE_COMBINE_ALTERNATE=1 (tests): the stage's thread takes every other read for itself, whatever the workers have queued, so both shares meet every input. */
const ALTERNATE = process.env['SLUICE_COMBINE_ALTERNATE'] === '1';

/** A (window, key)'s partials from every worker, merged, placed at its first record. */
interface Merged {
  windowId: string;
  win: RecordWindow | undefined;
  group: PartialGroup;
}

/**
 * reduce-by-key --parallel N as a map-side combine (Spark's reduceByKey): this
 * thread only cuts the input into line-aligned chunks, numbered, without
 * parsing a line, and hands them to N workers (the least loaded) through
 * shared buffers. Each worker parses and aggregates its chunks into partial
 * aggregates per (window, key) (partial-reduce.ts). At every control record
 * the workers send their partials; they are merged into one
 * ReduceByKeyOperator here in the order the input first showed each (window,
 * key), with the bad records reported in input order, and that operator then
 * handles the control record as it would with one thread: the rows, their
 * order, errors, limits and checkpointed state are those of --parallel 1.
 */
export class CombineParallelOperator implements Downstream, Stateful {
  private readonly inner: ReduceByKeyOperator;
  private readonly workers: WorkerLanes;
  /** This thread's own share of the aggregation (it is one of the N). */
  private local: ChunkAggregator;
  private readonly newLocal: () => ChunkAggregator;
  private readonly aggs: Aggregate[];
  private readonly packer: PartialPacker;
  private readonly lastAt: boolean[];
  private next = 0;
  /** Each worker's shared slots, and how many chunks went through them. */
  private readonly slots: Buffer[];
  private readonly slotsUsed: number[];
  /** The chunk being filled (a slot of worker `lane`, or its own buffer for a line longer than a slot): its bytes, the runs of consecutive line numbers in it, the sequence number of its first line. */
  private chunk: Buffer | undefined;
  private lane = 0;
  private slot = -1;
  private used = 0;
  private segs: number[] = [];
  private chunkLines = 0;
  private seq = 0;
  private chunkSeq = 0;
  /** Where the last run in the chunk ends: a line numbered so, of the same input, continues it. */
  private runLine = -1;
  private runRecord = -1;
  /** The inputs the chunk's runs come from (under `sluice run` the source names each record's file). */
  private inputs: string[] = [];
  private output: Promise<void> = Promise.resolve();
  /** A chunk went to a worker since the last control record. */
  private sentSinceControl = false;
  readonly readsFields: readonly string[] | undefined;

  constructor(
    o: CombineOptions,
    downstream: Downstream,
    private readonly ctx: StageContext,
  ) {
    this.inner = new ReduceByKeyOperator({ ...o.reduce, progress: o.progress }, downstream, ctx);
    this.aggs = o.reduce.aggregates.map(buildAggregate);
    this.packer = new PartialPacker(o.reduce.aggregates, this.aggs);
    this.lastAt = o.reduce.aggregates.map((a) => a.kind === 'last');
    this.readsFields = reduceReadsFields(o.reduce.key, o.reduce.aggregates);
    this.newLocal = () => new ChunkAggregator(o.reduce, ctx.command, ctx.errors.policy, o.maxDepth);
    this.local = this.newLocal();
    const shared = Array.from({ length: o.workers - 1 }, () => new SharedArrayBuffer(MAX_IN_FLIGHT * CHUNK_BYTES));
    const stop = new SharedArrayBuffer(4);
    this.stopFlag = new Int32Array(stop);
    this.slots = shared.map((b) => Buffer.from(b));
    this.slotsUsed = shared.map(() => 0);
    const setup = (index: number, inFlight: SharedArrayBuffer): WorkerSetup => ({
      index,
      reduce: o.reduce,
      command: ctx.command,
      inputName: ctx.position.input,
      policy: ctx.errors.policy,
      inFlight,
      combine: { maxDepth: o.maxDepth, slots: shared[index]!, slotBytes: CHUNK_BYTES, stop },
    });
    traceParallel('starting the workers');
    this.workers = new WorkerLanes(o.workers - 1, setup, { t: 'partial', batch: { windows: [], late: 0 }, bad: [] }, ctx.warn);
  }

  /** A record from an operator before this one in the same process (`sluice run`): its JSON text goes to a worker. */
  data(record: unknown, raw: string | undefined): void {
    const line = lineForWorker(record, raw, (message) => this.ctx.errors.bad(message));
    if (line === undefined) return;
    this.takeLine(line);
  }

  /** A data line as read (the stage runner has checked it is not control): numbered, unparsed, for a worker. */
  takeLine(line: string): boolean {
    const chunk = this.room(Buffer.byteLength(line) + 1);
    this.used += chunk.write(line, this.used);
    chunk[this.used++] = LF;
    this.addRun(this.ctx.position.line, this.ctx.position.record ?? -1, 1);
    return true;
  }

  /**
   * Undecoded data lines from `from` on, up to the first that is not plainly
   * data (blank or starting with white space, control-shaped, over
   * maxLineBytes) or a read that is not valid UTF-8: those go the ordinary way
   * (see LineSink.takeLineBytes). The stage runner has set the position to the
   * line before `from`.
   */
  takeLineBytes(bytes: Buffer, from: number, end: number, maxLineBytes: number): TakenLines {
    if (!isUtf8(bytes.subarray(from, end))) return { to: from, lines: 0 };
    let pos = from;
    let lines = 0;
    let lastEnd = from;
    while (pos <= end) {
      let lf = bytes.indexOf(LF, pos);
      if (lf === -1 || lf > end) lf = end;
      const length = lf - pos - (lf > pos && bytes[lf - 1] === 13 ? 1 : 0);
      const b = bytes[pos];
      if (length === 0 || b === 32 || b === 9 || b === 13 || length > maxLineBytes) break;
      if (bytesLookLikeControl(bytes, pos, length)) break;
      lines++;
      lastEnd = lf;
      pos = lf + 1;
    }
    if (lines === 0) return { to: from, lines: 0 };
    const position = this.ctx.position;
    const n = lastEnd - from;
    if (this.chunk === undefined || this.used + n + 1 > this.chunk.length) {
      this.send();
      if (ALTERNATE ? (this.turn = !this.turn) : !this.aWorkerWaits()) {
        // The workers have enough queued: this thread aggregates the read itself, where it lies.
        const length = (lastEnd < bytes.length && bytes[lastEnd] === LF ? lastEnd + 1 : lastEnd) - from;
        const segs = Float64Array.of(lines, position.line + 1, position.record === undefined ? -1 : position.record + 1, 0);
        this.local.take({ bytes, at: from, length, seq: this.seq, segs, inputs: [position.input] });
        this.seq += lines;
        return { to: pos, lines };
      }
    }
    const chunk = this.room(n + 1);
    bytes.copy(chunk, this.used, from, lastEnd);
    this.used += n;
    chunk[this.used++] = LF;
    this.addRun(position.line + 1, position.record === undefined ? -1 : position.record + 1, lines);
    return { to: pos, lines };
  }

  private addRun(line: number, record: number, count: number): void {
    const input = this.ctx.position.input;
    if (line === this.runLine && (record === this.runRecord || (record < 0 && this.runRecord < 0)) && input === this.inputs[this.inputs.length - 1]) {
      this.segs[this.segs.length - 4]! += count;
    } else {
      if (input !== this.inputs[this.inputs.length - 1]) this.inputs.push(input);
      this.segs.push(count, line, record, this.inputs.length - 1);
    }
    this.runLine = line + count;
    this.runRecord = record < 0 ? -1 : record + count;
    this.chunkLines += count;
    this.seq += count;
    if (this.used >= CHUNK_BYTES) this.send();
  }

  /**
   * A chunk with room for n more bytes: the one being filled, else (after
   * sending that) the next worker's next slot, once the worker is done with
   * it (fewer than MAX_IN_FLIGHT chunks queued: the slot's last chunk was
   * processed), or a buffer of its own for a line longer than a slot.
   */
  private room(n: number): Buffer {
    if (this.chunk !== undefined && this.used + n <= this.chunk.length) return this.chunk;
    this.send();
    this.chunkSeq = this.seq;
    this.lane = this.leastLoaded();
    this.workers.waitForRoom(this.workers.lanes[this.lane]!);
    if (n > CHUNK_BYTES) {
      this.slot = -1;
      this.chunk = Buffer.from(new ArrayBuffer(n));
    } else {
      this.slot = this.slotsUsed[this.lane]!++ % MAX_IN_FLIGHT;
      this.chunk = this.slots[this.lane]!.subarray(this.slot * CHUNK_BYTES, (this.slot + 1) * CHUNK_BYTES);
    }
    return this.chunk;
  }

  /**
   * The worker with the fewest chunks queued (the next in turn among equals):
   * a worker slowed down (by other processes on the machine) does not hold up
   * the others, as a strict turn would. Any order works: each worker gets its
   * chunks in input order, and lines carry their own numbers.
   */
  private turn = false;

  /** Whether a worker has fewer than QUEUED_ENOUGH chunks queued. */
  private aWorkerWaits(): boolean {
    for (const lane of this.workers.lanes) if (Atomics.load(lane.inFlight, 0) < QUEUED_ENOUGH) return true;
    return false;
  }

  private leastLoaded(): number {
    const lanes = this.workers.lanes;
    let best = this.next;
    let fewest = Atomics.load(lanes[best]!.inFlight, 0);
    for (let k = 1; k < lanes.length && fewest > 0; k++) {
      const i = (this.next + k) % lanes.length;
      const n = Atomics.load(lanes[i]!.inFlight, 0);
      if (n < fewest) {
        best = i;
        fewest = n;
      }
    }
    return best;
  }

  private send(): void {
    if (this.chunk === undefined || this.chunkLines === 0) return;
    const lane = this.workers.lanes[this.lane]!;
    this.next = (this.lane + 1) % this.workers.lanes.length;
    const segs = Float64Array.from(this.segs);
    const own = this.slot < 0 ? new Uint8Array(this.chunk.buffer, 0, this.used) : undefined;
    const transfer = own ? [own.buffer as ArrayBuffer, segs.buffer] : [segs.buffer];
    this.sentSinceControl = true;
    this.workers.post(lane, { t: 'chunk', slot: this.slot, length: this.used, bytes: own, seq: this.chunkSeq, segs, inputs: this.inputs }, transfer);
    this.chunk = undefined;
    this.used = 0;
    this.segs = [];
    this.inputs = [];
    this.chunkLines = 0;
    this.runLine = -1;
    this.runRecord = -1;
  }

  /** Shares of a file read in ranges (takeFile), numbered within their range, merged at the next control record after the stream's start. */
  private fileShares: Share[] = [];
  /** The first range's share (this thread's), gathered for the merge while the workers read theirs. */
  private fileGathered: Gathered | undefined;
  /** Int32 1: stop reading a file's ranges (every thread looks between two blocks). */
  private readonly stopFlag: Int32Array;

  /**
   * Bytes [from, size) of a regular file (stdin, descriptor fd) read in N
   * contiguous ranges cut after a LF, one per thread, each in place
   * (file-ranges.ts): this thread takes the first, so it never touches the
   * workers' lines. Each thread aggregates its range in one pass, its lines
   * numbered within it; once every range's lines are known, the merge
   * shifts each range's line and sequence numbers by the lines before it,
   * so bad records name their line and merge in input order as with one
   * thread. Undefined, with nothing kept, when a line must go the ordinary
   * way (blank, indented, control-shaped, over maxLineBytes, invalid UTF-8):
   * the caller reads the file as a stream. `stop` aborted (a signal, after
   * the stage's grace period): every thread stops at its next block, and
   * the rows are those of the ranges up to the first one not read to its
   * end (its lines up to where it stopped).
   */
  async takeFile(fd: number, from: number, size: number, maxLineBytes: number, stop: AbortSignal): Promise<number | undefined> {
    const lanes = this.workers.lanes;
    if (lanes.length === 0) return undefined;
    stop.addEventListener('abort', () => Atomics.store(this.stopFlag, 0, 1));
    // Each block lets this thread's event loop run, so a signal's handler runs (the workers look at the flag it sets).
    const between = () => new Promise<boolean>((resolve) => setImmediate(() => resolve(stop.aborted || this.local.stopped)));
    const input = this.ctx.position.input;
    type RangeShare = Extract<FromWorker, { t: 'range' }>;
    // This thread reads from the start at once; the rest is cut into ranges when the first worker runs (it boots
    // meanwhile: tens of milliseconds, more on a loaded machine), from where this thread has got to by then.
    const mine: ReadingRange = { pos: afterBom(fd, from, size), end: size };
    let done = false;
    let asked: Promise<RangeShare>[] | undefined;
    const cut = () => {
      if (asked) return;
      // A worker that exited answers nothing more (its failure is thrown below).
      if (this.workers.failure) return void (asked = []);
      const start = done ? size : mine.pos;
      const cuts = cutRanges(fd, start, size, lanes.length + 1);
      traceParallel(`ranges cut at ${cuts.join(', ')}`);
      mine.end = cuts[1]!;
      asked = lanes.map((lane, i) => this.workers.ask<RangeShare>(lane, { t: 'take-range', fd, start: cuts[i + 1]!, end: cuts[i + 2]!, input, maxLineBytes }));
    };
    const ready = lanes.map((lane) => this.workers.ask(lane, { t: 'ready' }));
    void Promise.race(ready).then(cut);
    traceParallel('range 0: reading');
    const read = await takeRange(fd, mine, input, maxLineBytes, (chunk) => this.local.take(chunk), between);
    done = true;
    traceParallel('range 0: read');
    const own: RangeShare = { t: 'range', ...this.local.drain(), read };
    // While the workers read on, this thread's share (the first range: its lines come before all others) is gathered for the merge.
    const gathered = new Gathered();
    if (read !== undefined) this.gather(gathered, { ...own, lineOffset: this.ctx.position.line, seqOffset: this.seq });
    traceParallel('range 0: drained and gathered');
    await Promise.all(ready);
    cut();
    const ranges: RangeShare[] = [own, ...(await Promise.all(asked!))];
    traceParallel('the workers\' ranges arrived');
    if (this.workers.failure) throw this.workers.failure;
    if (ranges.some((r) => r.read === undefined)) {
      // Read as a stream from the start: a fresh share of this thread's own (the workers made theirs).
      this.local = this.newLocal();
      return undefined;
    }
    // Each range's lines follow those of the ranges before it. After a range not read to its end (a
    // signal; under --on-error fail, its first bad record stops the stage) the later ones are left out.
    this.fileGathered = gathered;
    let lines = own.read!.lines;
    for (const r of own.read!.whole ? ranges.slice(1) : []) {
      this.fileShares.push({ ...r, lineOffset: this.ctx.position.line + lines, seqOffset: this.seq + lines });
      lines += r.read!.lines;
      if (!r.read!.whole) break;
    }
    this.seq += lines;
    return lines;
  }

  /**
   * Every worker gets the control record now, after the chunks before it; the
   * merge and the control record's own handling run after those of every
   * earlier control record, however callers interleave (see ParallelOperator).
   * When no line went to a worker since the last control record (the stream's
   * `start`, the batch and `eos` after `end`), the workers have nothing to
   * send: they are not waited for, and only a watermark is passed on to them.
   */
  control(c: Control): Promise<void> {
    this.send();
    const replies = this.sentSinceControl ? this.workers.control<Partial>(c) : undefined;
    this.sentSinceControl = false;
    // This thread's share, as a worker answers (combine-worker.ts).
    const mine = this.local.drain();
    if (c.type === 'watermark') {
      this.local.watermarkAt(c.t);
      if (replies === undefined) this.tellWatermark(c.t);
    }
    const done = this.output.then(async () => {
      const partials: Share[] = replies ? await Promise.all(replies) : [];
      if (this.workers.failure) throw this.workers.failure;
      // A file's shares come after the stream's start, as its lines do.
      let gathered = new Gathered();
      if (c.type !== 'start') {
        partials.push(...this.fileShares.splice(0));
        gathered = this.fileGathered ?? gathered;
        this.fileGathered = undefined;
      }
      partials.push(mine);
      traceParallel(`${c.type}: merging`);
      this.merge(gathered, partials);
      traceParallel(`${c.type}: merged`);
      const p = this.inner.control(c);
      if (p) await p;
      traceParallel(`${c.type}: handled`);
      if (c.type === 'eos') this.workers.shutdown();
    });
    this.output = done.catch(() => undefined);
    return done;
  }

  private tellWatermark(t: number): void {
    for (const lane of this.workers.lanes) lane.worker.postMessage({ t: 'watermark', watermark: t } satisfies ToWorker);
  }

  /**
   * The workers' partials, as one thread would have met their records: bad
   * records and new (window, key)s in input order, so the first error, the
   * warnings and the key that passes --max-keys are the same.
   */
  private merge(gathered: Gathered, partials: Share[]): void {
    for (const p of partials) this.gather(gathered, p);
    // Groups in the order their first record came (each share's in its own order already: usually no reordering), bad records among them.
    const merged: Merged[] = [];
    for (const groups of gathered.byWindow.values()) for (const m of groups.values()) merged.push(m);
    if (!ascending(merged)) merged.sort((a, b) => a.group.first - b.group.first);
    const bads = gathered.bads;
    if (bads.length > 1) bads.sort((a, b) => a.seq - b.seq);
    let b = 0;
    for (const m of merged) {
      for (; b < bads.length && bads[b]!.seq <= m.group.first; b++) this.reportBad(bads[b]!.bad);
      this.inner.mergePartial(m.windowId, m.win, m.group);
    }
    for (; b < bads.length; b++) this.reportBad(bads[b]!.bad);
    if (gathered.late > 0) this.inner.addLate(gathered.late);
  }

  /** One thread's share into what the merge has gathered. */
  private gather(into: Gathered, p: Share): void {
    into.late += p.batch.late;
    const seqs = p.seqOffset ?? 0;
    const lines = p.lineOffset ?? 0;
    for (const bad of p.bad) into.bads.push({ seq: bad.seq + seqs, bad: lines === 0 ? bad : { ...bad, where: shiftLine(bad.where, lines) } });
    for (const w of p.batch.windows) {
      let groups = into.byWindow.get(w.id);
      if (!groups) into.byWindow.set(w.id, (groups = new Map()));
      this.mergeWindow(groups, w.id, w.win, w.groups, seqs);
    }
  }

  private reportBad(bad: Share['bad'][number]): void {
    this.ctx.errors.badAt(bad.where, bad.raw, bad.message);
  }

  /** A group read from a share's columns into, when its (window, key) is already held (the usual case after the first share): then it is reused. */
  private scratch: PartialGroup | undefined;

  /**
   * One share's groups of one window into `groups`: a (window, key) held
   * already merges from the columns through one reused group, without
   * allocating; a new one becomes a group of its own.
   */
  private mergeWindow(groups: Map<string, Merged>, windowId: string, win: RecordWindow | undefined, packed: PackedGroups, seqs: number): void {
    const packer = this.packer;
    const ids = packed.ids;
    for (let g = 0; g < ids.length; g++) {
      const id = ids[g]!;
      const held = groups.get(id);
      if (held === undefined) {
        const group = packer.unpackOne(packed, g);
        group.first += seqs;
        group.last += seqs;
        groups.set(id, { windowId, win, group });
        continue;
      }
      const scratch = (this.scratch = packer.unpackOne(packed, g, this.scratch));
      scratch.first += seqs;
      scratch.last += seqs;
      // The later group's accumulators are left as garbage; when the scratch is the earlier one, it is kept and a new scratch made next time.
      if (this.combine(held, scratch) === scratch) this.scratch = undefined;
    }
  }

  /** Two workers' partials of one (window, key): `last` takes the value of the later record, every other aggregate merges (first keeps the earlier). Returns the group kept. */
  private combine(held: Merged, g: PartialGroup): PartialGroup {
    const a = held.group;
    // (No destructuring: this runs once per group, mostly before V8 has optimised it, and the interpreter's destructuring iterates.)
    const early = g.first < a.first ? g : a;
    const later = early === g ? a : g;
    for (let i = 0; i < this.aggs.length; i++) {
      const x = early.accs[i]!;
      const y = later.accs[i]!;
      if (this.lastAt[i]) {
        if (y.n > 0 && (x.n === 0 || later.last > early.last)) x.v = y.v;
        x.n += y.n;
      } else this.aggs[i]!.merge(x, y);
    }
    early.last = Math.max(early.last, later.last);
    held.group = early;
    return early;
  }

  snapshot(): unknown {
    return this.inner.snapshot();
  }

  restore(state: unknown): void {
    this.inner.restore(state);
    const watermark = (state as { watermark?: number | null }).watermark;
    if (typeof watermark === 'number') {
      this.local.watermarkAt(watermark);
      this.tellWatermark(watermark);
    }
  }

  stateRows(): number {
    return this.inner.stateRows();
  }
}

/** The shares' groups and bad records, gathered for the merge, their sequence numbers those of the stage's input. */
class Gathered {
  readonly byWindow = new Map<string, Map<string, Merged>>();
  readonly bads: { seq: number; bad: Share['bad'][number] }[] = [];
  late = 0;
}

/** Whether the groups are in the order of their first records already. */
function ascending(merged: readonly Merged[]): boolean {
  for (let i = 1; i < merged.length; i++) if (merged[i]!.group.first < merged[i - 1]!.group.first) return false;
  return true;
}
