import type { TakenLines } from '../framing.js';
import type { Downstream } from '../stream.js';
import type { TokenPlan } from './token-plan.js';

/**
 * Which top-level fields of its input records an operator chain reads. A stage
 * whose chain declares them can hand it a record holding only those fields
 * (see flat-fields.ts) instead of parsing whole lines: `undefined` means "the
 * whole record" (an expression can read anything), `[]` means "none: only the
 * raw line is forwarded".
 */
export interface ReadsFields {
  readonly readsFields?: readonly string[] | undefined;
}

/** The top-level names of dotted field paths, or undefined when any of them is missing. */
export function topLevelFields(paths: readonly (string | undefined)[]): string[] | undefined {
  const out = new Set<string>();
  for (const p of paths) {
    if (p === undefined || p === '') return undefined;
    out.add(p.split('.')[0]!);
  }
  return [...out];
}

/** reduce-by-key reads its key fields, its aggregates' fields and `window`; an expression (--key-expr, --reduce) reads anything. */
export function reduceReadsFields(key: { fields: string[]; expr?: string }, aggregates: readonly ({ kind: string; field?: string })[]): string[] | undefined {
  if (key.expr !== undefined) return undefined;
  const paths: (string | undefined)[] = [...key.fields, 'window'];
  for (const a of aggregates) {
    if (a.kind === 'reduce') return undefined;
    if (a.kind !== 'count') paths.push(a.field);
  }
  return topLevelFields(paths);
}

/**
 * An operator that can consume some raw input lines without a parsed record
 * (reduce-by-key's count lane). `takeLine` returns false for a line it leaves
 * to the ordinary path: parse, then data().
 */
export interface TakesLines {
  takeLine?(line: string): boolean;
  /**
   * The same for undecoded lines from `from` on: see LineSink.takeLineBytes.
   * The stage's position (line, record) is that of the line before `from`.
   */
  takeLineBytes?(bytes: Buffer, from: number, end: number, maxLineBytes: number): TakenLines;
  /** The same for the lines of one read in the byte view: see LineSink.takeText. */
  takeText?(text: string, bytes: Buffer, bytesFrom: number, decode: boolean, maxLineBytes: number): TakenLines;
  /**
   * Takes all of a regular file's lines from byte `from` (descriptor fd, the
   * stage's input, read in place: --parallel's combine); its number of lines,
   * or undefined with nothing taken (the stage then reads it as a stream).
   * The stage's position is that of the line before the first. `stop`
   * aborted: it stops early (a signal).
   */
  takeFile?(fd: number, from: number, size: number, maxLineBytes: number, stop: AbortSignal): Promise<number | undefined>;
}

/** A writer that takes many finished NDJSON lines in one call. */
export interface TakesTextLines {
  /** `count` lines, newline-separated, without a final newline. */
  lines(text: string, count: number): void;
}

/** A writer that takes finished lines as bytes (NdjsonWriter.byteRoom). */
export interface TakesBytes {
  byteRoom(n: number): Buffer;
  readonly bytesUsed: number;
  addedBytes(length: number, records: number): void;
}

/** What reduce-by-key's count lane offers a flat map in the same process: strings counted without a {value} record (false: not taken). */
export interface TakesTextValues {
  takeTextValue?(s: string): boolean;
  takeTextRange?(s: string, from: number, to: number): boolean;
  /** All pieces of s under a flat map's token plan (fast/token-plan.ts), counted; pieces it does not count go to other(). False: not taken at all. */
  takeTextPieces?(plan: TokenPlan, s: string, other: (piece: string) => void): boolean;
}

/** The JSON text of chosen top-level fields of one line, by their index in the list the taker declared (undefined: absent). */
export interface FieldTexts {
  raw(f: number): string | undefined;
}

/**
 * Under `sluice run`: a stage that takes the windowed lines of an earlier
 * stage of the same process by their fields' text, without the line being
 * made or checked again. The earlier stage (the window's whole reads) has
 * matched each input line against a learned layout (fast/block-layouts.ts),
 * so the line is a valid JSON object without spaces, without `window` and
 * `late`, each of `checkedFields` at most once, every value within
 * `--max-depth` 2; what the taker gets is that line with
 * `"window":WINDOW` added as its last member.
 */
export interface TakesCheckedLines {
  /** The fields whose text takeChecked wants, in this order; absent when it takes none so. */
  readonly checkedFields?: readonly string[];
  /** The line described above, its fields' text in `fields`, its window's JSON text `windowJson`; false: not taken (the line goes the ordinary way). */
  takeChecked?(fields: FieldTexts, windowJson: string): boolean;
}

/**
 * A filter, as a stage before it in the same process may run it: a
 * predicate over the top-level `fields` of its record (a record holding at
 * least those, as the stage runner's projection gives it), which keeps a
 * record when `test` is truthy and hands its line on to `next`. Declared by
 * the operator and forwarded by the boundary of `sluice run`
 * (pipe-boundary.ts), never found by the class of the stage.
 *
 * A filter whose kept lines go to such a stage may evaluate both on the same
 * record, `test` after its own, and give what both keep to `next`, if its own
 * expression cannot change the record (see reads-only.ts): the later stage
 * then sees what it would read from a pipe. Whatever throws is left to the
 * general path, where each stage evaluates its own expression and reports
 * what throws under its own --on-error. See ExpressionOperator.planFilterLines.
 */
export interface KeepsByFields {
  readonly keeps?: RecordFilter | undefined;
}

export interface RecordFilter {
  readonly fields: readonly string[];
  readonly test: (r: unknown) => unknown;
  /** test provably changes nothing (reads-only.ts): a record it keeps is, for the stage after it, still its line as read. */
  readonly readsOnly: boolean;
  /** Where the records it keeps go. */
  readonly next: Downstream;
  /** Records that reached it through the stage before it, counted as records in. */
  took(records: number): void;
}
