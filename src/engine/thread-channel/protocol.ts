import type { Args } from '../../spec.js';
import type { StopReason } from '../stop-signal.js';

/**
 * `sluice run` with its source in a second thread (src/commands/run-thread.ts):
 * the source thread writes the sluice stream its stages would write to a pipe,
 * in chunks of whole lines, and beside each chunk a table saying, for every
 * line, where in the source's input it was made (the input, its line, its
 * text), plus what happened between lines that the main thread must report
 * in stream order (bad records, warnings). So diagnostics name the source's
 * lines exactly as one thread does.
 */

/** Chunks the source thread may have sent and not yet seen taken, before its output waits. */
export const MAX_CHUNKS_IN_FLIGHT = 8;
/** The source thread's writer's output is sent on in chunks of about this size (a message costs tens of µs). */
export const CHUNK_BYTES = 1 << 20;

/** Something to report before the channel line `at` (1-based) is read; `at` past the last line: at the end. */
export type ChannelEvent =
  | { at: number; t: 'warn'; line: string }
  | { at: number; t: 'bad'; policy: number; where: string; raw: string; message: string }
  | { at: number; t: 'utf8'; policy: number; input: string; lines: number };

/** Int32s per line in PositionTable.entries. */
export const ENTRY = 4;

/**
 * Where the lines of one chunk were made: line first + i of the channel
 * (1-based) is entries[ENTRY * i ...]: the source's line number, its input
 * (an index into the inputs named so far, ChunkMessage.newInputs in order),
 * and its source text, UTF-8 in raws: [start, end); when end is negative,
 * the (-end)th of the LF-ended lines from start on (a read's lines, copied
 * once, cut into lines only when wanted).
 */
export interface PositionTable {
  first: number;
  count: number;
  entries: Int32Array;
  raws: Uint8Array;
}

export interface ChunkMessage extends PositionTable {
  t: 'chunk';
  bytes: Uint8Array;
  newInputs: string[];
  events: ChannelEvent[];
}

export type FromSourceThread =
  | ChunkMessage
  /** The source stage returned: events after its last line. */
  | { t: 'done'; events: ChannelEvent[]; cpuSeconds: number | undefined }
  | { t: 'usage'; message: string };

/** Buffers the main thread is done with, sent back to be filled again (a fresh one per chunk kept the garbage collector busy). */
export interface SpareBuffers {
  bytes: ArrayBuffer[];
  raws: ArrayBuffer[];
  entries: ArrayBuffer[];
}

export type ToSourceThread = ({ t: 'ack' } & SpareBuffers) | { t: 'stop'; reason: StopReason };

export interface StageSetup {
  name: string;
  args: Args;
}

/** What the source thread runs: the source stage and the operators after it, up to the thread boundary. */
export interface SourceThreadSetup {
  source: Args;
  operators: StageSetup[];
  /** Words after the pipeline's `--`. */
  rest: string[];
  /** For each operator: the id its bad records are reported under (its own --on-error), or undefined for the source's (0). */
  policyIds: (number | undefined)[];
}
