import type { TakenLines } from '../framing.js';
import type { TakesBytes } from './fields-read.js';
import { soleAsciiValueEnd } from './flat-fields.js';
import { isRecordMember, memberName, parseExpression, type AnyNode } from './expression-parse.js';
import { fastPathsOn } from './switch.js';

/**
 * The flat map `r.F.split("c")` (the word count's `r.value.split(" ")`), run
 * without building the array of pieces: the expression text is recognised once,
 * and each record's string is cut with indexOf. The pieces are exactly those
 * of String.prototype.split with a one-character separator, empty ones
 * included. Any record whose field is not a string goes through the expression
 * as usual (which then throws or not, as it would have).
 */
export interface FieldSplit {
  field: string;
  separator: string;
}

/**
 * The field and separator of an expression that is `r.F.split("c")` (or
 * `r["F"].split('c')`, any spacing, comments or parentheses), from a parse of
 * the expression; else undefined.
 */
export function fieldSplitOf(expr: string): FieldSplit | undefined {
  if (!fastPathsOn()) return undefined;
  const root = parseExpression(expr) as AnyNode | undefined;
  if (root?.type !== 'CallExpression' || root['optional']) return undefined;
  const callee = root['callee'] as AnyNode;
  const args = root['arguments'] as AnyNode[];
  if (callee.type !== 'MemberExpression' || callee['optional'] || memberName(callee) !== 'split') return undefined;
  const object = callee['object'] as AnyNode;
  if (!isRecordMember(object) || object['optional']) return undefined;
  const field = memberName(object);
  const separator = args.length === 1 && args[0]!.type === 'Literal' ? args[0]!['value'] : undefined;
  if (field === undefined || typeof separator !== 'string' || separator.length !== 1) return undefined;
  // One UTF-16 unit that is a whole character: not half of a surrogate pair.
  if (/[\ud800-\udfff]/.test(separator)) return undefined;
  return { field, separator };
}

/** Calls take(s, from, to) for each piece of s in order; a piece it declines (false) is given to other() as a string. */
export function forEachPiece(s: string, separator: string, take: (s: string, from: number, to: number) => boolean, other: (piece: string) => void): void {
  let from = 0;
  for (;;) {
    const at = s.indexOf(separator, from);
    const to = at === -1 ? s.length : at;
    if (!take(s, from, to)) other(s.slice(from, to));
    if (at === -1) return;
    from = at + 1;
  }
}

const LINE_BREAK = '"}\n{"value":"';
const LINE_START_BYTES = Buffer.from('{"value":"');
const LINE_BREAK_BYTES = Buffer.from(LINE_BREAK);
const LINE_END_BYTES = Buffer.from('"}\n');

/**
 * The flat map r.F.split("c") over undecoded input lines `{"F":"text"}`
 * (soleAsciiValueEnd), straight into the writer's bytes: each separator byte
 * becomes the end of one {"value":…} line and the start of the next, and no
 * string is made. `prefix` is `{"F":"` as bytes, the separator an ASCII
 * character. Same contract as LineSink.takeLineBytes.
 */
export function splitLinesToBytes(bytes: Uint8Array, from: number, end: number, maxLineBytes: number, prefix: Uint8Array, separator: number, out: TakesBytes): TakenLines {
  let pos = from;
  let lines = 0;
  for (;;) {
    const close = pos < end ? soleAsciiValueEnd(bytes, pos, end, prefix, maxLineBytes) : -1;
    if (close < 0) break;
    const textFrom = pos + prefix.length;
    // Room for the worst case: every character a separator.
    const buffer = out.byteRoom(LINE_START_BYTES.length + (close - textFrom) * LINE_BREAK_BYTES.length + LINE_END_BYTES.length);
    const start = out.bytesUsed;
    let at = copy(LINE_START_BYTES, buffer, start);
    let pieces = 1;
    for (let j = textFrom; j < close; j++) {
      const c = bytes[j]!;
      if (c === separator) {
        at = copy(LINE_BREAK_BYTES, buffer, at);
        pieces++;
      } else buffer[at++] = c;
    }
    at = copy(LINE_END_BYTES, buffer, at);
    out.addedBytes(at - start, pieces);
    lines++;
    pos = close + 3;
  }
  return { to: pos, lines };
}

function copy(from: Uint8Array, to: Uint8Array, at: number): number {
  for (let i = 0; i < from.length; i++) to[at + i] = from[i]!;
  return at + from.length;
}

/**
 * The lines {"value": piece} for the pieces of s, newline-separated, with their
 * count, when s needs no JSON escaping (its pieces then need none either); one
 * replaceAll. Undefined otherwise.
 */
export function pieceValueLines(s: string, separator: string, isPlain: (s: string) => boolean): { text: string; count: number } | undefined {
  if (!isPlain(s)) return undefined;
  const body = s.replaceAll(separator, LINE_BREAK);
  // Each separator (one character) became LINE_BREAK: the growth counts them.
  const count = (body.length - s.length) / (LINE_BREAK.length - 1) + 1;
  return { text: `{"value":"${body}"}`, count };
}
