import { isUtf8 } from 'node:buffer';
import type { AggregateSpec } from '../aggregates.js';
import type { KeySpec } from '../grouping.js';
import { BytePrefix, viewOf } from './byte-prefix.js';
import { soleStringValueStart, stringFieldPrefix } from './flat-fields.js';
import { HASH_START, hashStep, StringCounts } from './string-counts.js';
import type { TakenLines } from '../framing.js';
import type { TakesTextLines } from './fields-read.js';

/** Rows handed to the writer in one call by writeRows (about 64 KB of rows of one-word keys). */
const ROWS_AT_ONCE = 1000;

/**
 * The count-only lane of reduce-by-key: `reduce-by-key FIELD --count` over
 * records without `window` whose key is a string. Such a record costs one Map
 * lookup and one store into a flat Map<string, number>, instead of a window
 * table lookup, a key array, a group object and an accumulator. The operator
 * moves the lane's counts into its ordinary groups ("spills") whenever
 * anything else needs them (another kind of record for the unwindowed table,
 * update/append output, a snapshot), so every result, the row order and the
 * state budget stay exactly what the general path gives.
 */
export class CountLane {
  /** Key string to count, in first-seen order (the order rows are emitted in). */
  readonly counts = new StringCounts();
  /** A record was counted since the lane's rows were last emitted. */
  changed = false;
  /** How JSON.stringify begins the record {FIELD: "…"}. */
  private readonly linePrefix: string;
  /** The prefix as bytes, when it is ASCII (else lines are only taken as text). */
  private readonly linePrefixBytes: BytePrefix | undefined;

  private constructor(readonly field: string) {
    this.linePrefix = stringFieldPrefix(field);
    // eslint-disable-next-line no-control-regex
    if (/^[\x00-\x7f]*$/.test(this.linePrefix)) this.linePrefixBytes = new BytePrefix(Buffer.from(this.linePrefix, 'latin1'));
  }

  /** A lane when the operator's key and aggregates allow one: one plain top-level key field, --count alone. */
  static for(key: KeySpec, aggregates: readonly AggregateSpec[]): CountLane | undefined {
    if (key.expr !== undefined || key.fields.length !== 1) return undefined;
    if (aggregates.length !== 1 || aggregates[0]!.kind !== 'count') return undefined;
    const field = key.fields[0]!;
    // A dotted path is nested; `window` is read as the record's window; `count`
    // would collide with the aggregate column; __proto__ is special to objects.
    if (field === '' || field.includes('.') || field === 'window' || field === 'count' || field === '__proto__') return undefined;
    return new CountLane(field);
  }

  /**
   * The record's key when the lane may count it: an object (not an array)
   * without an own `window`, whose key field is a string that groupId() would
   * use as it is (not starting with NUL). Else undefined: the general path.
   */
  keyOf(record: unknown): string | undefined {
    if (typeof record !== 'object' || record === null || Array.isArray(record)) return undefined;
    if (Object.hasOwn(record, 'window')) return undefined;
    const k = (record as Record<string, unknown>)[this.field];
    // No property of Object.prototype is a string, so a string here is an own field.
    if (typeof k !== 'string' || (k.length > 0 && k.charCodeAt(0) === 0)) return undefined;
    return k;
  }

  /**
   * Where the key starts in a line that is exactly `{"FIELD":"key"}` (as
   * JSON.stringify writes it) with a key free of escapes and control
   * characters, so the key is those characters as they stand; it ends 2 before
   * the end of the line. -1 for any other line: it is parsed and goes through
   * keyOf().
   */
  keyStart(line: string): number {
    return soleStringValueStart(line, this.linePrefix);
  }

  /**
   * Counts the undecoded lines `{"FIELD":"key"}` that follow each other in
   * `bytes` from `from` (see soleAsciiValueEnd and LineSink.takeLineBytes),
   * without making a string for an ASCII key seen before (a key beyond ASCII
   * is decoded). Stops at the first other line. `onNewKey` is called for each key counted for the first time.
   */
  countLines(bytes: Uint8Array, from: number, end: number, maxLineBytes: number, onNewKey: (key: string) => void): TakenLines {
    const prefix = this.linePrefixBytes;
    let pos = from;
    let lines = 0;
    if (prefix === undefined) return { to: pos, lines };
    const counts = this.counts;
    const prefixLength = prefix.length;
    const view = viewOf(bytes);
    // The checks of soleAsciiValueEnd, with the key's hash taken in the same pass over its bytes.
    lines: for (;;) {
      if (pos + prefixLength > end || !prefix.at(view, bytes, pos)) break;
      const keyFrom = pos + prefixLength;
      let h = HASH_START;
      let i = keyFrom;
      let decode = false;
      for (; ; i++) {
        if (i >= end) break lines;
        const c = bytes[i]!;
        if (c === 34) break;
        if (c < 32 || c === 92) break lines;
        if (c > 126) decode = true;
        else h = hashStep(h, c);
      }
      const lineEnd = i + 2;
      if (bytes[i + 1] !== 125 || lineEnd > end || (lineEnd < end && bytes[lineEnd] !== 10) || lineEnd - pos > maxLineBytes) break;
      if (!decode) {
        if (counts.addHashedAsciiBytes(bytes, keyFrom, i, h)) onNewKey(counts.lastKey());
      } else {
        // A key beyond ASCII (a name, a curly quote) is counted from its decoded string, as takeLine() counts it; invalid UTF-8 takes the ordinary path.
        const key = bytes.subarray(keyFrom, i);
        if (!isUtf8(key)) break;
        const s = Buffer.from(key.buffer, key.byteOffset, key.length).toString('utf8');
        if (counts.addRange(s, 0, s.length)) onNewKey(counts.lastKey());
      }
      lines++;
      pos = i + 3;
    }
    if (lines > 0) this.changed = true;
    return { to: pos, lines };
  }

  /** Text of the output rows `{"window":…,"FIELD":k,"count":n}` up to the key: exactly what JSON.stringify of the row gives. */
  rowPrefix(label: { start: string; end: string }): string {
    return `{"window":${JSON.stringify({ start: label.start, end: label.end })},${JSON.stringify(this.field)}:`;
  }

  /**
   * The rows' lines (see rowPrefix) in first-seen order, handed to `out` about
   * 64 KB at a time: what the operator's rows would be written as, without a
   * record or a call per row. Returns how many were written.
   */
  writeRows(label: { start: string; end: string }, out: TakesTextLines): number {
    const prefix = this.rowPrefix(label);
    const counts = this.counts;
    let text = '';
    let pending = 0;
    for (let i = 0; i < counts.size; i++) {
      text += `${pending === 0 ? '' : '\n'}${prefix}${JSON.stringify(counts.keyAt(i))},"count":${counts.countAt(i)}}`;
      if (++pending === ROWS_AT_ONCE) {
        out.lines(text, pending);
        text = '';
        pending = 0;
      }
    }
    if (pending > 0) out.lines(text, pending);
    return counts.size;
  }

  clear(): void {
    this.counts.clear();
    this.changed = false;
  }
}
