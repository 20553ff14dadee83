import type { Worker } from 'node:worker_threads';
import { lazyBuiltin } from '../lazy-builtin.js';
import { DataError } from '../errors.js';
import type { Control } from '../control.js';
import type { FromWorker, ToWorker, WorkerReply, WorkerSetup } from './parallel-protocol.js';

const workerThreads = lazyBuiltin('node:worker_threads');

/** Chunks sent but not yet processed, per worker, before the sender blocks (bounded memory). */
export const MAX_IN_FLIGHT = 8;
/** A worker that takes this long to accept a chunk is considered gone. */
const STALL_MS = 60_000;

/** One --parallel worker thread, seen from the stage's thread. */
export interface Lane {
  worker: Worker;
  inFlight: Int32Array;
  replies: ((m: WorkerReply) => void)[];
}

/**
 * The worker threads of a --parallel operator: started from `setup`, each
 * answering every control record with one reply, in order. Failures are kept
 * for the operator to throw at its next control record.
 */
export class WorkerLanes {
  readonly lanes: Lane[];
  failure: Error | undefined;
  private ended = false;

  constructor(
    count: number,
    setup: (index: number, inFlight: SharedArrayBuffer) => WorkerSetup,
    /** What an exited worker's pending replies resolve to. */
    empty: WorkerReply,
    warn: (line: string) => void,
  ) {
    this.lanes = Array.from({ length: count }, (_, i) => {
      const shared = new SharedArrayBuffer(4);
      const worker = new (workerThreads().Worker)(new URL('./parallel-worker.js', import.meta.url), { workerData: setup(i, shared) });
      worker.unref();
      const lane: Lane = { worker, inFlight: new Int32Array(shared), replies: [] };
      worker.on('message', (m: FromWorker) => {
        if (m.t === 'out' || m.t === 'partial' || m.t === 'range' || m.t === 'ready') lane.replies.shift()?.(m);
        else if (m.t === 'warn') warn(m.line);
        else if (m.t === 'error') this.failure ??= new DataError(m.message, m.where);
      });
      worker.on('error', (err) => (this.failure ??= err));
      worker.on('exit', (code) => {
        if (!this.ended) this.failure ??= new Error(`worker ${i} exited (status ${code})`);
        for (const r of lane.replies.splice(0)) r(empty);
      });
      return lane;
    });
  }

  /** Sends a data message, blocking first while the worker has too many queued. */
  post(lane: Lane, m: ToWorker, transfer: ArrayBuffer[]): void {
    this.waitForRoom(lane);
    Atomics.add(lane.inFlight, 0, 1);
    lane.worker.postMessage(m, transfer);
  }

  /** Posts the control record to every worker now; the replies come in its order among earlier ones. */
  control<R extends WorkerReply>(c: Control): Promise<R>[] {
    return this.lanes.map(
      (lane) =>
        new Promise<R>((resolve) => {
          lane.replies.push(resolve as (m: WorkerReply) => void);
          lane.worker.postMessage({ t: 'control', c } satisfies ToWorker);
        }),
    );
  }

  /** Posts a question to one worker; its answer comes in order among its replies. */
  ask<R extends WorkerReply>(lane: Lane, m: ToWorker): Promise<R> {
    return new Promise<R>((resolve) => {
      lane.replies.push(resolve as (m: WorkerReply) => void);
      lane.worker.postMessage(m);
    });
  }

  shutdown(): void {
    this.ended = true;
    for (const lane of this.lanes) void lane.worker.terminate();
  }

  /**
   * Backpressure: data() cannot return a promise, so while a worker has too
   * many chunks queued this thread blocks on the shared counter until the
   * worker has taken one (the workers run on their own threads meanwhile).
   * After it, fewer than MAX_IN_FLIGHT of the lane's chunks are unprocessed.
   */
  waitForRoom(lane: Lane): void {
    const began = Date.now();
    for (;;) {
      const n = Atomics.load(lane.inFlight, 0);
      if (n < MAX_IN_FLIGHT) return;
      if (Date.now() - began > STALL_MS) throw new DataError(`a --parallel worker accepted no data for ${STALL_MS / 1000} s`);
      Atomics.wait(lane.inFlight, 0, n, 200);
    }
  }
}

/** A record's JSON line for a worker: its own line when it has one; undefined (reported as a bad record) when it cannot be written. */
export function lineForWorker(record: unknown, raw: string | undefined, bad: (message: string) => void): string | undefined {
  if (raw !== undefined) return raw;
  try {
    return JSON.stringify(record);
  } catch (err) {
    bad(`cannot serialise record for a worker: ${(err as Error).message}`);
    return undefined;
  }
}
