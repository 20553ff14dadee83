import type { StageContext } from '../context.js';
import type { Control } from '../control.js';
import { buildKeyExtractor, groupId, type KeyExtractor } from '../grouping.js';
import { partitionFor } from '../murmur2.js';
import type { Downstream } from '../stream.js';
import type { FromWorker, WorkerReduceOptions, WorkerSetup } from './parallel-protocol.js';
import { lineForWorker, WorkerLanes } from './parallel-lanes.js';
import { sharedStateTotals } from '../window/state-limits.js';
import { topLevelFields } from '../fast/fields-read.js';
import { fastPathsOn } from '../fast/switch.js';

const utf8 = new TextEncoder();

/** Records per message to a worker. */
const CHUNK = 2000;

export interface ParallelOptions {
  workers: number;
  /** The reduce-by-key every worker runs; its --max-keys and --max-state-bytes bound the workers' total. */
  reduce: WorkerReduceOptions;
}

type Out = Extract<FromWorker, { t: 'out' }>;

/** Records waiting for one worker. */
interface Pending {
  lines: string[];
  lineNos: number[];
  recordNos: number[];
}

/**
 * Runs a keyed operator (reduce-by-key) in N worker threads. Each record goes to
 * worker toPositive(murmur2(key)) % N, Kafka's default partitioning of the key's
 * text, so a key's state lives in exactly one worker. Every control record goes
 * to all workers; their output for it is merged and sent on before the control
 * record itself, in a fixed order: rows of keys first seen in this batch in
 * first-seen order (as one worker would emit them), then rows of older keys by
 * worker and emission order.
 */
export class ParallelOperator implements Downstream {
  private readonly workers: WorkerLanes;
  private readonly pending: Pending[];
  private readonly keys: KeyExtractor;
  private firstSeen = new Map<string, number>();
  /** For complete mode's idle batches (see ReduceByKeyOperator): the last batch's positions, and whether a record came since. */
  private lastPositions: string | undefined;
  private recordSinceBatch = false;
  /** The output of the control records posted so far, in their order. */
  private output: Promise<void> = Promise.resolve();

  constructor(
    private readonly o: ParallelOptions,
    private readonly next: Downstream,
    private readonly ctx: StageContext,
  ) {
    this.keys = buildKeyExtractor(o.reduce.key, ctx.command);
    const limits = { maxKeys: 0, maxBytes: 0, ...o.reduce.limits, shared: sharedStateTotals() };
    const setup = (index: number, inFlight: SharedArrayBuffer): WorkerSetup => ({
      index,
      reduce: { ...o.reduce, limits },
      command: ctx.command,
      inputName: ctx.position.input,
      policy: ctx.errors.policy,
      inFlight,
    });
    this.workers = new WorkerLanes(o.workers, setup, { t: 'out', rows: [], keys: [], controls: [], badCount: 0 }, ctx.warn);
    this.pending = this.workers.lanes.map(() => ({ lines: [], lineNos: [], recordNos: [] }));
  }

  /** Only the key is read here: the workers read what the operator needs (see fast/fields-read.ts). */
  get readsFields(): readonly string[] | undefined {
    return this.o.reduce.key.expr === undefined && fastPathsOn() ? topLevelFields(this.o.reduce.key.fields) : undefined;
  }

  data(record: unknown, raw: string | undefined): void {
    const key = this.keys.values(record);
    // A record without a key is bad; worker 0 reports it under the error policy, with its position.
    let lane = 0;
    if (typeof key !== 'string') {
      const id = groupId(key);
      if (!this.firstSeen.has(id)) this.firstSeen.set(id, this.firstSeen.size);
      lane = partitionFor(id, this.pending.length);
    }
    const line = lineForWorker(record, raw, (message) => this.ctx.errors.bad(message));
    if (line === undefined) return;
    this.recordSinceBatch = true;
    const p = this.pending[lane]!;
    p.lines.push(line);
    p.lineNos.push(this.ctx.position.line);
    p.recordNos.push(this.ctx.position.record ?? -1);
    if (p.lines.length >= CHUNK) this.send(lane);
  }

  /**
   * The control record is posted to every worker now, in stream order: a
   * caller need not await it before giving data() the next records (the
   * source under `sluice run` does not, nor does an operator whose hook is
   * still waiting). Its output goes downstream after that of every earlier
   * control record, however the callers interleave.
   */
  control(c: Control): Promise<void> {
    // Keys first seen up to this record rank its rows; a batch boundary starts the next batch's ranks.
    const ranks = this.firstSeen;
    const seenBefore = ranks.size;
    if (c.type === 'batch') this.firstSeen = new Map();
    // Decided now, while the records before this control record are exactly the ones seen.
    const idle = this.idleCompleteBatch(c);
    this.pending.forEach((_, lane) => this.send(lane));
    const replies = this.workers.control<Out>(c);
    const done = this.output.then(() => this.emitFor(c, replies, ranks, seenBefore, idle));
    this.output = done.catch(() => undefined);
    return done;
  }

  private async emitFor(c: Control, replies: Promise<Out>[], ranks: Map<string, number>, seenBefore: number, idle: boolean): Promise<void> {
    const outs = await Promise.all(replies);
    if (this.workers.failure) throw this.workers.failure;
    if (!idle) this.emitMerged(outs, ranks, seenBefore);
    for (const out of outs) this.ctx.errors.count += out.badCount;
    // Every worker forwards the control records its operator forwards; worker 0's are the ones sent on.
    for (const forwarded of outs[0]!.controls) {
      const p = this.next.control(forwarded);
      if (p) await p;
    }
    if (c.type === 'eos') this.workers.shutdown();
  }

  /** A complete-mode batch that read nothing new and got no record writes no table, as with one worker (whose rows changed only by a record). */
  private idleCompleteBatch(c: Control): boolean {
    if (c.type !== 'batch' || this.o.reduce.mode !== 'complete') return false;
    const positions = c.positions === undefined ? undefined : JSON.stringify(c.positions);
    const idle = positions !== undefined && positions === this.lastPositions && !this.recordSinceBatch;
    this.lastPositions = positions;
    this.recordSinceBatch = false;
    return idle;
  }

  private emitMerged(outs: Out[], ranks: Map<string, number>, seenBefore: number): void {
    const tagged: { rank: number; worker: number; i: number; row: string }[] = [];
    outs.forEach((out, worker) =>
      out.rows.forEach((row, i) => {
        const seen = ranks.get(out.keys[i]!);
        tagged.push({ rank: seen !== undefined && seen < seenBefore ? seen : Number.MAX_SAFE_INTEGER, worker, i, row });
      }),
    );
    tagged.sort((a, b) => a.rank - b.rank || a.worker - b.worker || a.i - b.i);
    for (const t of tagged) this.next.data(JSON.parse(t.row), t.row);
  }

  private send(lane: number): void {
    const p = this.pending[lane]!;
    if (p.lines.length === 0) return;
    const lineNos = Float64Array.from(p.lineNos);
    const recordNos = Float64Array.from(p.recordNos);
    const text = utf8.encode(p.lines.join('\n'));
    this.workers.post(this.workers.lanes[lane]!, { t: 'data', text, lineNos, recordNos }, [text.buffer, lineNos.buffer, recordNos.buffer]);
    p.lines = [];
    p.lineNos = [];
    p.recordNos = [];
  }
}
