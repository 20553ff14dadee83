import { appendFileSync } from 'node:fs';
import { isoTime, type Clock } from './clock.js';

/** One line of --progress, in the spirit of Spark's StreamingQueryProgress. */
export interface BatchProgress {
  stage: string;
  batchId: number;
  /** Wall time when the batch boundary was processed (ISO-8601). */
  timestamp: string;
  numInputRows: number;
  numOutputRows: number;
  /** Input rows over the wall time since the previous batch boundary. */
  inputRowsPerSecond: number;
  /** Input rows over durationMs; null when durationMs is 0. */
  processedRowsPerSecond: number | null;
  /** Time this stage spent busy with the batch (processing, not waiting for input), ms. */
  durationMs: number;
  /** Event-time watermark after the batch (ISO-8601), or null before the first. */
  watermark: string | null;
  /** Rows held in state after the batch (groups, buffered records). */
  stateRows: number;
  /** Records that arrived behind the watermark during the batch. */
  lateRows: number;
}

export interface ProgressState {
  watermark: number | undefined;
  stateRows: number;
  lateRows: number;
}

/**
 * Where progress lines go: '' (a bare --progress) means stderr through `warn`,
 * anything else is a file the lines are appended to.
 */
export function progressOutput(target: string, warn: (line: string) => void): (line: string) => void {
  if (target === '') return warn;
  return (line) => appendFileSync(target, line + '\n');
}

/**
 * Counts a stage's rows and busy time per batch and writes one NDJSON progress
 * object at each batch boundary. Busy time is measured per synchronous run of
 * records (one input chunk), closed by a microtask, so there is no clock read
 * per record.
 */
export class ProgressReporter {
  private inputRows = 0;
  private outputRows = 0;
  private busyMs = 0;
  private spanStart: number | undefined;
  private lastBoundary: number;

  constructor(
    private readonly stage: string,
    private readonly clock: Clock,
    private readonly write: (line: string) => void,
  ) {
    this.lastBoundary = clock.monotonic();
  }

  /** Call for every input record (or once for n of them). */
  input(n = 1): void {
    this.inputRows += n;
    if (this.spanStart === undefined) {
      this.spanStart = this.clock.monotonic();
      queueMicrotask(() => this.endSpan());
    }
  }

  output(n = 1): void {
    this.outputRows += n;
  }

  private endSpan(): void {
    if (this.spanStart === undefined) return;
    this.busyMs += this.clock.monotonic() - this.spanStart;
    this.spanStart = undefined;
  }

  /** Call after the stage has handled a batch boundary. */
  batch(batchId: number, state: ProgressState): void {
    this.endSpan();
    const now = this.clock.monotonic();
    const elapsed = now - this.lastBoundary;
    const durationMs = Math.round(this.busyMs * 1000) / 1000;
    const p: BatchProgress = {
      stage: this.stage,
      batchId,
      timestamp: isoTime(this.clock.now()),
      numInputRows: this.inputRows,
      numOutputRows: this.outputRows,
      inputRowsPerSecond: elapsed > 0 ? round(this.inputRows / (elapsed / 1000)) : 0,
      processedRowsPerSecond: durationMs > 0 ? round(this.inputRows / (durationMs / 1000)) : this.inputRows === 0 ? 0 : null,
      durationMs,
      watermark: state.watermark !== undefined && Number.isFinite(state.watermark) ? isoTime(state.watermark) : null,
      stateRows: state.stateRows,
      lateRows: state.lateRows,
    };
    this.write(JSON.stringify(p));
    this.inputRows = 0;
    this.outputRows = 0;
    this.busyMs = 0;
    this.lastBoundary = now;
  }
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
