import { parseRecord } from '../codec.js';
import type { OnError } from '../error-policy.js';
import { FlatProjector } from '../fast/flat-fields.js';
import { reduceReadsFields } from '../fast/fields-read.js';
import { fastPathsOn } from '../fast/switch.js';
import { PositionTracker } from '../stream.js';
import type { BadRecord, LineChunk, WorkerReduceOptions } from './parallel-protocol.js';
import { PartialReduce, type PartialBatch } from './partial-reduce.js';

/** Bytes decoded at a time: whole lines, and a string small enough for the young generation. */
const DECODE_BYTES = 64 * 1024;
const LF = 10;
const CR = 13;

/**
 * One worker's share of --parallel's combine: parses the lines of each chunk it is given as the stage itself
 * would (a learned layout without a record, the field scanner, else
 * JSON.parse within --max-depth) and aggregates them into partials, until
 * drained at a control record. Bad records are kept with their position, not
 * reported: the stage reports them in input order under its --on-error, so
 * warnings, their limit, the dead-letter file and the first error under
 * `fail` are those of one thread.
 */
export class ChunkAggregator {
  private readonly position = new PositionTracker();
  private readonly partial: PartialReduce;
  private readonly projector: FlatProjector | undefined;
  private readonly failFast: boolean;
  private bad: BadRecord[] = [];
  private seq = 0;
  private readonly lines = new LineCursor();
  /** Under --on-error fail, nothing after the first bad record matters: the stage stops there. */
  stopped = false;

  constructor(
    reduce: WorkerReduceOptions,
    command: string,
    policy: OnError,
    private readonly maxDepth: number,
  ) {
    this.failFast = policy.kind === 'fail';
    const fast = fastPathsOn();
    this.partial = new PartialReduce(reduce, command, fast ? maxDepth : undefined, this.reportBad);
    const fields = fast ? reduceReadsFields(reduce.key, reduce.aggregates) : undefined;
    this.projector = fields && new FlatProjector(fields, maxDepth);
  }

  private readonly reportBad = (message: string): void => {
    const p = this.position;
    this.bad.push({ seq: this.seq, where: p.where(), raw: p.raw, message });
    if (this.failFast) this.stopped = true;
  };

  /** Raises the watermark that decides what is late (a watermark control record, restored state). */
  watermarkAt(t: number): void {
    this.partial.watermark = Math.max(this.partial.watermark, t);
  }

  /**
   * The chunk's lines, in order: runs of lines a learned layout reads in
   * place (PartialReduce.addLines, the one-thread stage's reader), a block of
   * whole lines at a time; each line it declines decoded alone and taken as
   * the stage takes a line it reads (addLine, else the field scanner or
   * JSON.parse, then add).
   */
  take(m: LineChunk): void {
    if (this.stopped) return;
    const { bytes } = m;
    const partial = this.partial;
    const lines = this.lines;
    lines.start(m.segs, m.inputs);
    let p = m.at;
    const stop = m.at + m.length;
    // Where the last line ends: at its LF, or at the end (a final line without one).
    const last = bytes[stop - 1] === LF ? stop - 1 : stop;
    this.seq = m.seq;
    while (p <= last && p < stop) {
      // A block of whole lines (the last one ending at `cut`): a string of a whole chunk would be a
      // large object in the old generation, each one a step towards a full garbage collection.
      let cut = p + DECODE_BYTES < last ? bytes.indexOf(LF, p + DECODE_BYTES) : last;
      if (cut < 0 || cut > last) cut = last;
      while (p <= cut) {
        const taken = partial.addLines(bytes, p, cut, this.seq);
        if (taken.lines > 0) {
          this.seq += taken.lines;
          lines.skip(taken.lines);
          p = taken.to;
          if (p > cut) break;
        }
        let lf = bytes.indexOf(LF, p);
        if (lf < 0 || lf > last) lf = last;
        this.takeOne(bytes.toString('utf8', p, lf > p && bytes[lf - 1] === CR ? lf - 1 : lf));
        if (this.stopped) return;
        this.seq++;
        lines.skip(1);
        p = lf + 1;
      }
    }
  }

  /** One line the general way, at the cursor's position. */
  private takeOne(line: string): void {
    const position = this.position;
    this.lines.place(position);
    position.raw = line;
    if (this.partial.addLine(line, this.seq)) return;
    let record: unknown;
    try {
      record = this.projector?.project(line) ?? parseRecord(line, this.maxDepth);
    } catch (err) {
      this.reportBad((err as Error).message);
      return;
    }
    this.partial.add(record, this.seq);
  }

  /** What was aggregated, and the bad records met, since the last call. */
  drain(): { batch: PartialBatch; bad: BadRecord[] } {
    const out = { batch: this.partial.drain(), bad: this.bad };
    this.bad = [];
    return out;
  }
}

/**
 * Where the lines of a chunk are in the input: walks its runs of
 * consecutively numbered lines (ToWorker's `segs`: lines, first line number,
 * first record number or -1, index of the input) as the lines are taken.
 */
class LineCursor {
  private segs: Float64Array = new Float64Array(0);
  private inputs: string[] = [];
  /** The run the next line is in, and how many of its lines came before it. */
  private s = 0;
  private i = 0;

  start(segs: Float64Array, inputs: string[]): void {
    this.segs = segs;
    this.inputs = inputs;
    this.s = 0;
    this.i = 0;
  }

  skip(n: number): void {
    const segs = this.segs;
    this.i += n;
    while (this.s < segs.length && this.i >= segs[this.s]!) {
      this.i -= segs[this.s]!;
      this.s += 4;
    }
  }

  /** Sets the position to the next line's. */
  place(position: PositionTracker): void {
    const segs = this.segs;
    const s = this.s;
    const firstRecord = segs[s + 2]!;
    position.input = this.inputs[segs[s + 3]!]!;
    position.line = segs[s + 1]! + this.i;
    position.record = firstRecord < 0 ? undefined : firstRecord + this.i;
  }
}
