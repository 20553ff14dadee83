import { Worker } from 'node:worker_threads';
import type { StageContext } from '../context.js';
import type { Control } from '../control.js';
import { DataError } from '../errors.js';
import { buildKeyExtractor, groupId, type KeyExtractor } from '../grouping.js';
import { partitionFor } from '../murmur2.js';
import type { Downstream } from '../stream.js';
import type { FromWorker, ToWorker, WorkerReduceOptions, WorkerSetup } from './parallel-protocol.js';
import { sharedStateTotals } from '../window/state-limits.js';
import { topLevelFields } from '../fast/fields-read.js';
import { fastPathsOn } from '../fast/switch.js';

const utf8 = new TextEncoder();

/** Records per message to a worker. */
const CHUNK = 2000;
/** Chunks sent but not yet processed, per worker, before data() blocks (bounded memory). */
const MAX_IN_FLIGHT = 8;
/** A worker that takes this long to accept a chunk is considered gone. */
const STALL_MS = 60_000;

export interface ParallelOptions {
  workers: number;
  /** The reduce-by-key every worker runs; its --max-keys and --max-state-bytes bound the workers' total. */
  reduce: WorkerReduceOptions;
}

interface Lane {
  worker: Worker;
  inFlight: Int32Array;
  lines: string[];
  lineNos: number[];
  replies: ((m: Extract<FromWorker, { t: 'out' }>) => void)[];
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
  private readonly lanes: Lane[];
  private readonly keys: KeyExtractor;
  private firstSeen = new Map<string, number>();
  private failure: Error | undefined;
  private ended = false;

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
    this.lanes = Array.from({ length: o.workers }, (_, i) => {
      const shared = new SharedArrayBuffer(4);
      const worker = new Worker(new URL('./parallel-worker.js', import.meta.url), { workerData: setup(i, shared) });
      worker.unref();
      const lane: Lane = { worker, inFlight: new Int32Array(shared), lines: [], lineNos: [], replies: [] };
      worker.on('message', (m: FromWorker) => this.fromWorker(lane, m));
      worker.on('error', (err) => (this.failure ??= err));
      worker.on('exit', (code) => {
        if (!this.ended) this.failure ??= new Error(`worker ${i} exited (status ${code})`);
        for (const r of lane.replies.splice(0)) r({ t: 'out', rows: [], keys: [], controls: [], badCount: 0 });
      });
      return lane;
    });
  }

  /** Only the key is read here: the workers read what the operator needs (see fast/fields-read.ts). */
  get readsFields(): readonly string[] | undefined {
    return this.o.reduce.key.expr === undefined && fastPathsOn() ? topLevelFields(this.o.reduce.key.fields) : undefined;
  }

  data(record: unknown, raw: string | undefined): void {
    const key = this.keys.values(record);
    // A record without a key is bad; worker 0 reports it under the error policy, with its position.
    let lane = this.lanes[0]!;
    if (typeof key !== 'string') {
      const id = groupId(key);
      if (!this.firstSeen.has(id)) this.firstSeen.set(id, this.firstSeen.size);
      lane = this.lanes[partitionFor(id, this.lanes.length)]!;
    }
    let line = raw;
    if (line === undefined) {
      try {
        line = JSON.stringify(record);
      } catch (err) {
        this.ctx.errors.bad(`cannot serialise record for a worker: ${(err as Error).message}`);
        return;
      }
    }
    lane.lines.push(line);
    lane.lineNos.push(this.ctx.position.line);
    if (lane.lines.length >= CHUNK) this.send(lane);
  }

  async control(c: Control): Promise<void> {
    const replies = this.lanes.map((lane) => {
      this.send(lane);
      return new Promise<Extract<FromWorker, { t: 'out' }>>((resolve) => {
        lane.replies.push(resolve);
        lane.worker.postMessage({ t: 'control', c } satisfies ToWorker);
      });
    });
    const outs = await Promise.all(replies);
    if (this.failure) throw this.failure;
    this.emitMerged(outs);
    for (const out of outs) this.ctx.errors.count += out.badCount;
    if (c.type === 'batch') this.firstSeen = new Map();
    // Every worker forwards the control records its operator forwards; worker 0's are the ones sent on.
    for (const forwarded of outs[0]!.controls) {
      const p = this.next.control(forwarded);
      if (p) await p;
    }
    if (c.type === 'eos') this.shutdown();
  }

  private emitMerged(outs: Extract<FromWorker, { t: 'out' }>[]): void {
    const tagged: { rank: number; worker: number; i: number; row: string }[] = [];
    outs.forEach((out, worker) =>
      out.rows.forEach((row, i) => {
        const seen = this.firstSeen.get(out.keys[i]!);
        tagged.push({ rank: seen ?? Number.MAX_SAFE_INTEGER, worker, i, row });
      }),
    );
    tagged.sort((a, b) => a.rank - b.rank || a.worker - b.worker || a.i - b.i);
    for (const t of tagged) this.next.data(JSON.parse(t.row), t.row);
  }

  private send(lane: Lane): void {
    if (lane.lines.length === 0) return;
    this.waitForRoom(lane);
    Atomics.add(lane.inFlight, 0, 1);
    const lineNos = Float64Array.from(lane.lineNos);
    const text = utf8.encode(lane.lines.join('\n'));
    lane.worker.postMessage({ t: 'data', text, lineNos } satisfies ToWorker, [text.buffer, lineNos.buffer]);
    lane.lines = [];
    lane.lineNos = [];
  }

  /**
   * Backpressure: data() cannot return a promise, so while a worker has too
   * many chunks queued this thread blocks on the shared counter until the
   * worker has taken one (the workers run on their own threads meanwhile).
   */
  private waitForRoom(lane: Lane): void {
    const began = Date.now();
    for (;;) {
      const n = Atomics.load(lane.inFlight, 0);
      if (n < MAX_IN_FLIGHT) return;
      if (Date.now() - began > STALL_MS) throw new DataError(`a --parallel worker accepted no data for ${STALL_MS / 1000} s`);
      Atomics.wait(lane.inFlight, 0, n, 200);
    }
  }

  private fromWorker(lane: Lane, m: FromWorker): void {
    if (m.t === 'out') lane.replies.shift()?.(m);
    else if (m.t === 'warn') this.ctx.warn(m.line);
    else if (m.t === 'error') this.failure ??= new DataError(m.message, m.where);
  }

  private shutdown(): void {
    this.ended = true;
    for (const lane of this.lanes) void lane.worker.terminate();
  }
}
