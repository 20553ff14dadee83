import { parseRecord } from '../codec.js';
import type { OnError } from '../error-policy.js';
import { FlatProjector } from '../fast/flat-fields.js';
import { reduceReadsFields } from '../fast/fields-read.js';
import { fastPathsOn } from '../fast/switch.js';
import { PositionTracker } from '../stream.js';
import type { BadRecord, WorkerReduceOptions } from './parallel-protocol.js';
import { PartialReduce, type PartialBatch } from './partial-reduce.js';

/** Bytes decoded at a time: whole lines, and a string small enough for the young generation. */
const DECODE_BYTES = 64 * 1024;
const LF = 10;

/** A chunk of input lines for the combine: `length` bytes of `bytes` from `at`, numbered as in ToWorker's `chunk`. */
export interface LineChunk {
  bytes: Buffer;
  at: number;
  length: number;
  seq: number;
  segs: Float64Array;
  inputs: string[];
}

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

  take(m: LineChunk): void {
    if (this.stopped) return;
    const { bytes, segs } = m;
    const partial = this.partial;
    const position = this.position;
    let at = m.at;
    const stop = at + m.length;
    // Decoded a block of whole lines at a time, as the framer does: one string of a whole chunk would
    // be a large object in the old generation, each one a step towards a full garbage collection.
    let text = '';
    let from = 0;
    this.seq = m.seq;
    for (let s = 0; s < segs.length; s += 4) {
      const count = segs[s]!;
      const firstLine = segs[s + 1]!;
      const firstRecord = segs[s + 2]!;
      position.input = m.inputs[segs[s + 3]!]!;
      for (let i = 0; i < count; i++, this.seq++) {
        if (from >= text.length) {
          let cut = at + DECODE_BYTES < stop ? bytes.indexOf(LF, at + DECODE_BYTES) + 1 : stop;
          if (cut <= 0 || cut > stop) cut = stop;
          text = bytes.toString('utf8', at, cut);
          at = cut;
          from = 0;
        }
        const nl = text.indexOf('\n', from);
        let line = text.slice(from, nl);
        from = nl + 1;
        if (line.length > 0 && line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
        position.line = firstLine + i;
        position.record = firstRecord < 0 ? undefined : firstRecord + i;
        position.raw = line;
        if (partial.addLine(line, this.seq)) continue;
        let record: unknown;
        try {
          record = this.projector?.project(line) ?? parseRecord(line, this.maxDepth);
        } catch (err) {
          this.reportBad((err as Error).message);
          if (this.stopped) return;
          continue;
        }
        partial.add(record, this.seq);
        if (this.stopped) return;
      }
    }
  }

  /** What was aggregated, and the bad records met, since the last call. */
  drain(): { batch: PartialBatch; bad: BadRecord[] } {
    const out = { batch: this.partial.drain(), bad: this.bad };
    this.bad = [];
    return out;
  }
}
