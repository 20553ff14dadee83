import { isUtf8 } from 'node:buffer';
import type { TakenLines } from '../framing.js';
import type { TakesBytes } from './fields-read.js';
import type { TokenPlan } from './token-plan.js';
import { HASH_START, hashStep, type StringCounts } from './string-counts.js';
import { SHORT_ESCAPE, VALUE_LINE_END_LENGTH, VALUE_LINE_START_LENGTH, valueLineEnd, valueLineStart, writeJsonAscii } from './value-line-bytes.js';

/**
 * Runs a flat map's token plan (fast/token-plan.ts) on one record's string:
 * the pieces exactly as `split` (and the filter) would give them, as ranges of
 * the case-mapped string, without the arrays.
 */

/** The string the plan cuts: the field's value with the expression's case change. */
export function casedText(plan: TokenPlan, s: string): string {
  return plan.caseMap === 'lower' ? s.toLowerCase() : plan.caseMap === 'upper' ? s.toUpperCase() : s;
}

/**
 * Calls take(s, from, to) for each piece of s (already case-mapped) in order,
 * leaving out empty ones when the plan drops them; a piece take declines
 * (false) is given to other() as a string.
 */
export function forEachPiece(plan: TokenPlan, s: string, take: (s: string, from: number, to: number) => boolean, other: (piece: string) => void): void {
  const give = (from: number, to: number) => {
    if (to - from < plan.minLength) return;
    if (!take(s, from, to)) other(s.slice(from, to));
  };
  const units = plan.units;
  if (units === undefined) {
    const separator = plan.text!;
    let from = 0;
    for (;;) {
      const at = s.indexOf(separator, from);
      if (at === -1) break;
      give(from, at);
      from = at + separator.length;
    }
    give(from, s.length);
    return;
  }
  const ascii = units.ascii;
  const n = s.length;
  let from = 0;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c < 128 ? ascii[c] === 1 : units.has(c)) {
      give(from, i);
      i++;
      if (plan.runs) i = units.runEnd(s, i);
      from = i;
    } else i++;
  }
  give(from, n);
}

/**
 * The pieces of s (already case-mapped) counted straight into a count table,
 * each key's hash taken in the pass that finds it: forEachPiece() into
 * StringCounts.addRange, fused. A piece starting with U+0000 is not the
 * table's (see CountLane.keyOf) and goes to other() as a string, in order.
 * Returns how many pieces were counted.
 */
export function countPieces(plan: TokenPlan, s: string, counts: StringCounts, onNewKey: (key: string) => void, other: (piece: string) => void): number {
  const units = plan.units;
  let counted = 0;
  if (units === undefined) {
    forEachPiece(plan, s, (str, from, to) => {
      if (to > from && str.charCodeAt(from) === 0) return false;
      if (counts.addRange(str, from, to)) onNewKey(counts.lastKey());
      counted++;
      return true;
    }, other);
    return counted;
  }
  const ascii = units.ascii;
  const minLength = plan.minLength;
  const n = s.length;
  let from = 0;
  let h = HASH_START;
  let i = 0;
  for (;;) {
    const c = i < n ? s.charCodeAt(i) : -1;
    if (c >= 0 && !(c < 128 ? ascii[c] === 1 : units.has(c))) {
      h = hashStep(h, c);
      i++;
      continue;
    }
    // A piece ends at i: at a separator, or at the end of s.
    if (i - from >= minLength) {
      if (i > from && s.charCodeAt(from) === 0) other(s.slice(from, i));
      else {
        if (counts.addHashedRange(s, from, i, h)) onNewKey(counts.lastKey());
        counted++;
      }
    }
    if (c < 0) return counted;
    i++;
    if (plan.runs) i = units.runEnd(s, i);
    from = i;
    h = HASH_START;
  }
}

/** The array the expression returns for the string field s. */
export function planPieces(plan: TokenPlan, s: string): string[] {
  const out: string[] = [];
  const t = casedText(plan, s);
  forEachPiece(plan, t, (str, from, to) => out.push(str.slice(from, to)) > 0, () => undefined);
  return out;
}

/** Bytes of a plan over ASCII text: which characters separate, when the plan can be run on bytes at all. */
export interface BytePlan {
  /** 1 for an input byte (an ASCII character before the case change) that separates. */
  separators: Uint8Array;
  /** For a byte standing for itself in a line's text: the byte written for it (case changed), or 0 for a separator, a quote, a backslash, a control character or a byte beyond ASCII. */
  plain: Uint8Array;
  runs: boolean;
  dropEmpty: boolean;
  caseMap: TokenPlan['caseMap'];
  /** The plan itself, for a line whose text is not ASCII (see stringLinePieces). */
  tokens: TokenPlan;
}

/** The byte form of a plan: a one-unit separator, or a string separator of one ASCII character; pieces dropped only when empty. */
export function bytePlanOf(plan: TokenPlan): BytePlan | undefined {
  // (A piece's length in characters is not its length in bytes: `\n` is one.)
  if (plan.minLength > 1) return undefined;
  let cased: Uint8Array;
  if (plan.units !== undefined) cased = plan.units.ascii;
  else {
    const c = plan.text!.charCodeAt(0);
    if (plan.text!.length !== 1 || c >= 128) return undefined;
    cased = new Uint8Array(128);
    cased[c] = 1;
  }
  // The split runs on the case-changed text: an input byte separates when its case-changed character does.
  const separators = new Uint8Array(128);
  const plain = new Uint8Array(256);
  for (let c = 0; c < 128; c++) {
    const mapped = plan.caseMap === 'lower' && c >= 65 && c <= 90 ? c + 32 : plan.caseMap === 'upper' && c >= 97 && c <= 122 ? c - 32 : c;
    separators[c] = cased[mapped]!;
    if (c >= 32 && separators[c] !== 1 && c !== 92 && c !== 34) plain[c] = mapped;
  }
  return { separators, plain, runs: plan.runs, dropEmpty: plan.minLength === 1, caseMap: plan.caseMap, tokens: plan };
}

/** Output bytes per input byte at most: a separator byte can end one line and start the next. */
const GROWTH = VALUE_LINE_START_LENGTH + VALUE_LINE_END_LENGTH;
/** The character a JSON escape `\\x` stands for, by x (0: not an escape, `u` aside). */
const UNESCAPE = new Uint8Array(128);
for (let c = 0; c < 128; c++) if (SHORT_ESCAPE[c] !== 0) UNESCAPE[SHORT_ESCAPE[c]!] = c;
UNESCAPE[47] = 47;

/**
 * The flat map's plan over undecoded input lines `{"F":"text"}` whose text is
 * ASCII (escapes included, as long as they stand for ASCII characters),
 * straight into the writer's bytes as `{"value":…}` lines: no string is made.
 * A line of that shape whose text is not ASCII is decoded and cut by the
 * plan's string form (stringLinePieces), so text with some non-ASCII lines
 * (a name, a curly quote) keeps the path. `prefix` is `{"F":"` as bytes.
 * Stops at the first other line (another shape, invalid UTF-8, a line too
 * long), which then takes the ordinary path. Same contract as
 * LineSink.takeLineBytes.
 */
export function splitLinesToBytes(bytes: Uint8Array, from: number, end: number, maxLineBytes: number, prefix: Uint8Array, plan: BytePlan, out: TakesBytes): TakenLines {
  let pos = from;
  let lines = 0;
  while (pos < end) {
    if (!startsWith(bytes, pos, prefix)) break;
    const text = pos + prefix.length;
    // The text is checked while its pieces are written (one pass); a longer one is found and checked first, so its room is known.
    let close = writePieces(bytes, pos, text, Math.min(end, text + ONE_PASS_BYTES), end, maxLineBytes, plan, out);
    if (close === BEYOND_LIMIT) {
      const found = asciiStringValueEnd(bytes, pos, end, prefix, maxLineBytes);
      close = found < 0 ? -1 : writePieces(bytes, pos, text, found + 1, end, maxLineBytes, plan, out);
    }
    if (close < 0) close = stringLinePieces(bytes, pos, end, maxLineBytes, prefix.length, plan.tokens, out);
    if (close < 0) break;
    lines++;
    pos = close + 3;
  }
  return { to: pos, lines };
}

/**
 * A line `{"F":"text"}` at `pos` with any valid JSON string as its text,
 * within maxLineBytes: the pieces of its decoded text as the expression gives
 * them (planPieces), written as the ordinary path writes them. Returns the
 * line's closing quote, or -1 for any other line (nothing written).
 */
function stringLinePieces(bytes: Uint8Array, pos: number, end: number, maxLineBytes: number, prefixLength: number, plan: TokenPlan, out: TakesBytes): number {
  const lf = bytes.indexOf(10, pos);
  const lineEnd = lf < 0 || lf > end ? end : lf;
  if (lineEnd - pos > maxLineBytes || lineEnd - pos < prefixLength + 2 || bytes[lineEnd - 1] !== 125 || bytes[lineEnd - 2] !== 34) return -1;
  const literal = bytes.subarray(pos + prefixLength - 1, lineEnd - 1);
  if (!isUtf8(literal)) return -1;
  let text: unknown;
  try {
    text = JSON.parse(Buffer.from(literal.buffer, literal.byteOffset, literal.length).toString('utf8'));
  } catch {
    return -1;
  }
  if (typeof text !== 'string') return -1;
  let lines = '';
  const pieces = planPieces(plan, text);
  for (const piece of pieces) lines += `{"value":${JSON.stringify(piece)}}\n`;
  const length = Buffer.byteLength(lines);
  const room = out.byteRoom(length);
  room.write(lines, out.bytesUsed, 'utf8');
  out.addedBytes(length, pieces.length);
  return lineEnd - 2;
}

/** Longest text whose pieces are written in the pass that checks it. */
const ONE_PASS_BYTES = 1024;
/** writePieces() reached its limit before the closing quote. */
const BEYOND_LIMIT = -2;

function startsWith(bytes: Uint8Array, pos: number, prefix: Uint8Array): boolean {
  for (let i = 0; i < prefix.length; i++) if (bytes[pos + i] !== prefix[i]) return false;
  return true;
}

/**
 * Where the closing quote is in a line `{"F":"text"}` (prefix `{"F":"`)
 * whose text has only printable ASCII, DEL and escapes of ASCII characters,
 * ending the line at `end` or a LF; -1 for any other line.
 */
function asciiStringValueEnd(bytes: Uint8Array, pos: number, end: number, prefix: Uint8Array, maxLineBytes: number): number {
  if (!startsWith(bytes, pos, prefix)) return -1;
  let i = pos + prefix.length;
  for (;;) {
    if (i >= end) return -1;
    const c = bytes[i]!;
    if (c === 34) break;
    if (c === 92) {
      const e = bytes[i + 1]!;
      if (e === 117) {
        if (i + 6 > end || hexValue(bytes, i + 2) >= 128) return -1;
        i += 6;
      } else if (e < 128 && UNESCAPE[e] !== 0) i += 2;
      else return -1;
    } else if (c < 32 || c > 127) return -1;
    else i++;
  }
  return closesLine(bytes, pos, i, end, maxLineBytes) ? i : -1;
}

/** Whether the quote at `close` is followed by the line's `}` and its end (a LF or `end`), within maxLineBytes of the line's start `pos`. */
function closesLine(bytes: Uint8Array, pos: number, close: number, end: number, maxLineBytes: number): boolean {
  const lineEnd = close + 2;
  return bytes[close + 1] === 125 && lineEnd <= end && (lineEnd === end || bytes[lineEnd] === 10) && lineEnd - pos <= maxLineBytes;
}

/** The value of 4 hex digits at `at`; 0x10000 (not ASCII) when they are not hex digits. */
function hexValue(bytes: Uint8Array, at: number): number {
  let v = 0;
  for (let k = 0; k < 4; k++) {
    const d = hexDigit(bytes[at + k]!);
    if (d < 0) return 0x10000;
    v = v * 16 + d;
  }
  return v;
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * The pieces of the JSON string text that starts at `from` in the line at
 * `pos`, as `{"value":…}` lines, checked as asciiStringValueEnd() checks it
 * while they are written: returns its closing quote, -1 for a line the path
 * does not take (nothing is then announced to `out`), or BEYOND_LIMIT when no
 * closing quote came before `limit` (< end).
 */
function writePieces(bytes: Uint8Array, pos: number, from: number, limit: number, end: number, maxLineBytes: number, plan: BytePlan, out: TakesBytes): number {
  const buffer = out.byteRoom(GROWTH * (limit - from + 1));
  const start = out.bytesUsed;
  const separators = plan.separators;
  const plain = plan.plain;
  const runs = plan.runs;
  const dropEmpty = plan.dropEmpty;
  // Added to an upper-case (lower-case) ASCII letter, or 0.
  const lowerBy = plan.caseMap === 'lower' ? 32 : 0;
  const upperBy = plan.caseMap === 'upper' ? 32 : 0;
  let at = valueLineStart(buffer, start);
  let content = at;
  let pieces = 0;
  let inRun = false;
  let i = from;
  let close = -1;
  while (i < limit) {
    let c = bytes[i]!;
    // Most bytes are printable ASCII standing for themselves.
    const p = plain[c]!;
    if (p !== 0) {
      buffer[at++] = p;
      inRun = false;
      i++;
      continue;
    }
    if (c === 34) {
      close = i;
      break;
    }
    if (c === 92) {
      const e = bytes[i + 1]!;
      if (e === 117) {
        if (i + 6 > end) return -1;
        c = hexValue(bytes, i + 2);
        if (c >= 128) return -1;
        i += 6;
      } else {
        c = e < 128 ? UNESCAPE[e]! : 0;
        if (c === 0) return -1;
        i += 2;
      }
    } else if (c < 32 || c > 127) return -1;
    else i++;
    if (separators[c] === 1) {
      if (inRun) continue;
      if (dropEmpty && at === content) at = content - VALUE_LINE_START_LENGTH;
      else {
        at = valueLineEnd(buffer, at);
        pieces++;
      }
      at = valueLineStart(buffer, at);
      content = at;
      inRun = runs;
      continue;
    }
    // An escaped character that is not a separator: written as JSON.stringify writes it.
    inRun = false;
    if (c >= 65 && c <= 90) c += lowerBy;
    else if (c >= 97 && c <= 122) c -= upperBy;
    at = writeJsonAscii(buffer, at, c);
  }
  if (close < 0) return limit < end ? BEYOND_LIMIT : -1;
  if (!closesLine(bytes, pos, close, end, maxLineBytes)) return -1;
  if (dropEmpty && at === content) at = content - VALUE_LINE_START_LENGTH;
  else {
    at = valueLineEnd(buffer, at);
    pieces++;
  }
  out.addedBytes(at - start, pieces);
  return close;
}
