import type { Control } from '../control.js';
import type { OnError } from '../error-policy.js';
import type { PartialBatch } from './partial-reduce.js';
import type { ReduceOptions } from './reduce-by-key.js';

/**
 * A chunk of input lines for the combine: `length` bytes of `bytes` from
 * `at`, each line ending with a LF except perhaps the last, numbered as in
 * ToWorker's `chunk`.
 */
export interface LineChunk {
  bytes: Buffer;
  at: number;
  length: number;
  seq: number;
  segs: Float64Array;
  inputs: string[];
}

/** What a thread read of its range: its lines, and whether it read to the end (not stopped by a signal or a failure). Undefined: a line must go the ordinary way. */
export type RangeRead = { lines: number; whole: boolean } | undefined;

/** reduce-by-key's options as a worker gets them: plain, serialisable data (no command line, no functions). */
export type WorkerReduceOptions = Omit<ReduceOptions, 'progress'>;

/** What a --parallel worker is started with. */
export interface WorkerSetup {
  index: number;
  reduce: WorkerReduceOptions;
  command: string;
  /** For diagnostics: the stage's input name. */
  inputName: string;
  policy: OnError;
  /** Int32 count of data chunks sent to this worker and not yet processed. */
  inFlight: SharedArrayBuffer;
  /**
   * Map-side combine (parallel-combine.ts): the worker parses its chunks itself,
   * as the stage would, with this --max-depth. Chunks are written into `slots`
   * (MAX_IN_FLIGHT slots of `slotBytes`, shared), so no buffer is allocated per chunk.
   * `stop` (Int32 1): the stage was stopped while the threads read a file's ranges.
   */
  combine?: { maxDepth: number; slots: SharedArrayBuffer; slotBytes: number; stop: SharedArrayBuffer };
}

export type ToWorker =
  /**
   * Records as their JSON text, newline-separated, UTF-8 in one transferred
   * buffer (no copy per record, no structured clone), with the input line
   * numbers and record numbers in the stream (-1: none) for diagnostics (also transferred).
   */
  | { t: 'data'; text: Uint8Array; lineNos: Float64Array; recordNos: Float64Array }
  /**
   * Combine: input lines as read (LF-separated, a CR before the LF allowed),
   * unparsed: `length` bytes in shared slot `slot`, or in `bytes` (a line
   * longer than a slot). The i-th line has sequence number seq + i; `segs` holds
   * [lines, first line number, first record number or -1, index in
   * `inputs`] per run of consecutively numbered lines of one input.
   */
  | { t: 'chunk'; slot: number; length: number; bytes?: Uint8Array; seq: number; segs: Float64Array; inputs: string[] }
  /** Combine: a watermark that decides what is late, from restored state or a watermark control record the worker is not asked to answer. */
  | { t: 'watermark'; watermark: number }
  | { t: 'control'; c: Control }
  /**
   * Combine over a regular file (file-ranges.ts): aggregate bytes [start, end)
   * of descriptor fd, numbered within the range; answered with `range`.
   */
  | { t: 'take-range'; fd: number; start: number; end: number; input: string; maxLineBytes: number }
  /** Combine over a regular file: answered with `ready` once the worker runs (its range is cut then). */
  | { t: 'ready' };

/** Combine: a record a worker found bad, reported by the coordinator in input order. */
export interface BadRecord {
  seq: number;
  where: string;
  raw: string;
  message: string;
}

export type FromWorker =
  /** The operator's output for one control record: rows (JSON), each row's key id, the control records it forwarded. */
  | { t: 'out'; rows: string[]; keys: string[]; controls: Control[]; badCount: number }
  /** Combine: what the worker aggregated, and the bad records it met, since the last control record. */
  | { t: 'partial'; batch: PartialBatch; bad: BadRecord[] }
  /** Combine over a regular file: what the worker aggregated of its range, numbered within it; `read` null when a line must go the ordinary way (nothing kept). */
  | { t: 'range'; batch: PartialBatch; bad: BadRecord[]; read: RangeRead }
  | { t: 'ready' }
  | { t: 'warn'; line: string }
  | { t: 'error'; message: string; where?: string };

export type WorkerReply = Extract<FromWorker, { t: 'out' | 'partial' | 'range' | 'ready' }>;
