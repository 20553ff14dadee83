import { fieldsOfExpression } from './expression-fields.js';
import { canonicalObjectEnd, clearForms, gapCount, gaps, MAX_CHECKED_DEPTH, REWRITES, rewriteCount, rewriteEnds, rewriteStarts, SPACED_OR_NOT } from './canonical-json.js';
import { literalEnd, literalValue } from './flat-fields.js';
import { stringOf, viewOf } from './byte-text.js';
import { isPlainJsonString } from '../codec.js';
import { looksLikeControl } from '../control.js';
import { parseExpression, type AnyNode } from './expression-parse.js';
import { fastPathsOn } from './switch.js';

/**
 * A map `({...r, k1: e1, k2: e2})` adds fields to its record and keeps the
 * rest. When the input line is already what JSON.stringify would write for it
 * (see isCanonicalLine), its output is that line with `,"k1":…,"k2":…` before
 * the closing brace: only the added fields are computed, by the expression
 * `({k1: e1, k2: e2})` (`added`), which reads only `reads` of the record.
 */
export interface MapSplice {
  /** The expression text of the added fields alone. */
  added: string;
  /** The keys it adds, in order. */
  keys: string[];
  /** The fields of r that the added fields read. */
  reads: string[];
}

/** The wrapper compileExpression puts before the expression text (offsets in the parse count from it). */
const WRAPPER_HEAD = '(function (r) { return (\n'.length;

export function mapSpliceOf(expr: string): MapSplice | undefined {
  if (!fastPathsOn()) return undefined;
  const root = parseExpression(expr) as AnyNode | undefined;
  if (root?.type !== 'ObjectExpression') return undefined;
  const [spread, ...rest] = root['properties'] as AnyNode[];
  const spreadOf = spread?.type === 'SpreadElement' ? (spread['argument'] as AnyNode) : undefined;
  if (spreadOf?.type !== 'Identifier' || spreadOf['name'] !== 'r' || rest.length === 0) return undefined;
  const keys: string[] = [];
  for (const p of rest) {
    if (p.type !== 'Property' || p['kind'] !== 'init' || p['computed'] || p['method']) return undefined;
    const key = p['key'] as AnyNode;
    const name = key.type === 'Identifier' ? key['name'] : key.type === 'Literal' && typeof key['value'] === 'string' ? key['value'] : undefined;
    // __proto__ sets the prototype; an index-like key would be moved to the front by JSON.stringify.
    if (typeof name !== 'string' || name === '__proto__' || isIndexLike(name) || keys.includes(name)) return undefined;
    keys.push(name);
  }
  const from = (rest[0]!['start'] as number) - WRAPPER_HEAD;
  const to = (rest[rest.length - 1]!['end'] as number) - WRAPPER_HEAD;
  const added = `({${expr.slice(from, to)}})`;
  const reads = fieldsOfExpression(added);
  return reads === undefined ? undefined : { added, keys, reads };
}

/**
 * The `{...}` members JSON.stringify gives for the added fields' object
 * (`''` when it has none), built from its values: the object is the literal
 * `({k1: e1, ...})`, so its keys are `keys` in that order.
 */
export class AddedMembers {
  /** `"k":` for each key. */
  private readonly heads: string[];

  constructor(private readonly keys: readonly string[]) {
    this.heads = keys.map((k) => `${JSON.stringify(k)}:`);
  }

  /** The members of the keys the line does not have (`found[k] < 0`; all of them without `found`). */
  of(added: Record<string, unknown>, found?: Int32Array): string {
    let out = '';
    for (let k = 0; k < this.keys.length; k++) {
      if (found !== undefined && found[k]! >= 0) continue;
      const value = this.valueText(k, added[this.keys[k]!]);
      if (value === undefined) continue;
      const member = this.heads[k]! + value;
      out = out === '' ? member : `${out},${member}`;
    }
    return out;
  }

  /** The JSON text JSON.stringify writes for the value of key k, or undefined when it leaves the member out. */
  valueText(k: number, v: unknown): string | undefined {
    if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
    if (typeof v === 'string') return isPlainJsonString(v) ? `"${v}"` : JSON.stringify(v);
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (v === null) return 'null';
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') return undefined;
    // Objects (toJSON is given the key) and BigInt (which throws): as JSON.stringify writes the member.
    const member = JSON.stringify({ [this.keys[k]!]: v }).slice(1, -1);
    return member === '' ? undefined : member.slice(this.heads[k]!.length);
  }

  private readonly texts: (string | undefined)[] = [];

  /** The new values' texts of the added keys the line just read by `lines` has (CanonicalLines.found), in its order. */
  foundTexts(added: Record<string, unknown>, lines: CanonicalLines): (string | undefined)[] {
    const texts = this.texts;
    texts.length = lines.foundCount;
    for (let i = 0; i < lines.foundCount; i++) {
      const k = lines.found[i]!.key;
      texts[i] = this.valueText(k, added[this.keys[k]!]);
    }
    return texts;
  }
}

/**
 * The map of the canonical line just read by `lines`, as a string: the added
 * fields' values in `added`. Undefined when the result would read as a
 * control record (a line whose first member goes): the general path escapes it.
 */
export function splicedLine(line: string, lines: CanonicalLines, members: AddedMembers, added: Record<string, unknown>): string | undefined {
  const tail = members.of(added, lines.foundAt);
  if (lines.foundCount === 0 && lines.editCount === 0) return spliceMembers(line, tail);
  const text = new TextOut(line);
  writeSpliced(0, line.length, lines.found, lines.foundCount, members.foundTexts(added, lines), tail, lines.editCount > 0 ? new EditedOut(text, lines) : text, lines.spaced ? 1 : 0);
  return looksLikeControl(text.result) ? undefined : text.result;
}

/** A SplicedOut that writes ranges of the line with its edits made (CanonicalLines.editStarts, offsets in the same line) into another. */
export class EditedOut implements SplicedOut {
  private next = 0;

  constructor(
    private readonly out: SplicedOut,
    private readonly lines: CanonicalLines,
  ) {}

  range(from: number, to: number): void {
    const { editStarts, editEnds, editTexts, editCount } = this.lines;
    let k = this.next;
    while (k < editCount && editStarts[k]! < from) k++;
    let at = from;
    for (; k < editCount && editStarts[k]! < to; k++) {
      if (editStarts[k]! > at) this.out.range(at, editStarts[k]!);
      if (editTexts[k] !== '') this.out.text(editTexts[k]!);
      at = editEnds[k]!;
    }
    if (to > at) this.out.range(at, to);
    this.next = k;
  }

  text(text: string): void {
    this.out.text(text);
  }
}

class TextOut implements SplicedOut {
  result = '';
  constructor(private readonly line: string) {}
  range(from: number, to: number): void {
    this.result += this.line.slice(from, to);
  }
  text(text: string): void {
    this.result += text;
  }
}

/** The input line with members spliced in before its closing brace. */
export function spliceMembers(line: string, members: string): string {
  if (members === '') return line;
  return line.length === 2 ? `{${members}}` : `${line.slice(0, -1)},${members}}`;
}

function isIndexLike(key: string): boolean {
  return /^(0|[1-9]\d*)$/.test(key) && Number(key) < 2 ** 32 - 1;
}

/**
 * Reads canonical lines for a splice (see canonical-json.ts): `read(line)` is
 * the record the added fields are computed from (the `fields` they read, as
 * JSON.parse gives them, those the line has) when the line is canonical and
 * is no deeper than `maxDepth`; else undefined. Nested values are checked,
 * not parsed, unless they are read. The added `keys` the line has already are
 * in `found` (see writeSpliced).
 */
export class CanonicalLines {
  /** The names as they are written in a canonical line (escaped; in the byte view when lines are). */
  private readonly fieldTexts: string[];
  private readonly keyTexts: string[];
  private readonly depth: number;
  private line = '';
  private out: Record<string, unknown> = {};
  /** After a read, per added key: its index in `found`, or -1 when the line does not have it. */
  readonly foundAt: Int32Array;
  /** After a read, the members of the added keys the line has, in the line's order (the first foundCount). */
  readonly found: FoundMember[];
  foundCount = 0;
  /**
   * After a read: the edits that make the line canonical, in order, the first
   * editCount (0 for a canonical line): the spaces of a line written as
   * Python's json.dumps writes it (one after each `:` and `,`), left out
   * (`spaced`), and strings and numbers written otherwise (`"\/"`,
   * `"\u00e9"`, `1.0`), replaced by their canonical text; see
   * canonical-json.ts. `editGrowth`: the bytes the edits add, at least 0.
   */
  editStarts = new Int32Array(16);
  editEnds = new Int32Array(16);
  editTexts: string[] = [];
  editCount = 0;
  editGrowth = 0;
  spaced = false;

  constructor(
    private readonly fields: readonly string[],
    keys: readonly string[],
    maxDepth: number,
    /** Lines are given in the byte view of UTF-8 (fast/byte-text.ts), not as decoded strings. */
    private readonly bytes = false,
  ) {
    this.fieldTexts = fields.map((f) => keyText(f, bytes));
    this.keyTexts = keys.map((k) => keyText(k, bytes));
    this.depth = Math.min(maxDepth, MAX_CHECKED_DEPTH);
    this.foundAt = new Int32Array(keys.length).fill(-1);
    this.found = keys.map(() => ({ key: 0, keyStart: 0, valueStart: 0, valueEnd: 0 }));
  }

  /** The record of the line text[from, to). */
  read(text: string, from = 0, to = text.length): Record<string, unknown> | undefined {
    if (text.charCodeAt(to - 1) !== 125) return undefined;
    if (this.foundCount > 0) {
      this.foundAt.fill(-1);
      this.foundCount = 0;
    }
    this.line = text;
    this.out = {};
    clearForms();
    const end = canonicalObjectEnd(text, from, this.depth, this.member, SPACED_OR_NOT | REWRITES);
    this.line = '';
    if (end !== to) return undefined;
    this.keepEdits(text);
    return this.out;
  }

  /** The check's gaps and rewrites, merged in order, with the rewrites' canonical texts. */
  private keepEdits(text: string): void {
    const n = gapCount + rewriteCount;
    this.spaced = gapCount > 0;
    this.editCount = n;
    this.editGrowth = 0;
    if (n === 0) return;
    if (n > this.editStarts.length) {
      this.editStarts = new Int32Array(2 * n);
      this.editEnds = new Int32Array(2 * n);
    }
    let g = 0;
    let r = 0;
    for (let k = 0; k < n; k++) {
      if (r >= rewriteCount || (g < gapCount && gaps[g]! < rewriteStarts[r]!)) {
        this.editStarts[k] = gaps[g]!;
        this.editEnds[k] = gaps[g++]! + 1;
        this.editTexts[k] = '';
        continue;
      }
      const start = rewriteStarts[r]!;
      const end = rewriteEnds[r++]!;
      const canonical = canonicalText(text.slice(start, end), this.bytes);
      this.editStarts[k] = start;
      this.editEnds[k] = end;
      this.editTexts[k] = canonical;
      this.editGrowth += Math.max(0, Buffer.byteLength(canonical) - (end - start));
    }
  }

  private readonly member = (keyStart: number, keyEnd: number, valueStart: number, valueEnd: number): boolean => {
    const line = this.line;
    const key = nameAt(line, keyStart, keyEnd, this.keyTexts);
    if (key >= 0) {
      const at = this.foundCount++;
      const member = this.found[at]!;
      member.key = key;
      member.keyStart = keyStart;
      member.valueStart = valueStart;
      member.valueEnd = valueEnd;
      this.foundAt[key] = at;
    }
    const wanted = nameAt(line, keyStart, keyEnd, this.fieldTexts);
    if (wanted >= 0) {
      const name = this.fields[wanted]!;
      const value = valueAt(line, valueStart, valueEnd, this.bytes);
      // An own __proto__ as JSON.parse makes it, not the prototype.
      if (name === '__proto__') Object.defineProperty(this.out, name, { value, enumerable: true, writable: true, configurable: true });
      else this.out[name] = value;
    }
    return true;
  };
}

/** An added key's member in a line: where its key's text starts (after the quote) and its value. */
export interface FoundMember {
  key: number;
  keyStart: number;
  valueStart: number;
  valueEnd: number;
}

/** Where writeSpliced writes: ranges of the line, and texts. */
export interface SplicedOut {
  range(from: number, to: number): void;
  text(text: string): void;
}

/**
 * The canonical line line[from, to) mapped by `({...r, k1: e1, ...})`, as
 * JSON.stringify writes the result: a key the line has keeps its place with
 * its new value (`texts[i]` for found[i]), or is left out with its comma when
 * the new value is not written (undefined); the other keys' `members` go
 * before the closing brace. When the line's first member goes, the output
 * may read as a control record: the caller checks. `gap` 1: the line has a
 * space after each `:` and `,`, which `out` leaves out (EditedOut).
 */
export function writeSpliced(from: number, to: number, found: readonly FoundMember[], count: number, texts: readonly (string | undefined)[], members: string, out: SplicedOut, gap: number): void {
  const close = to - 1;
  out.range(from, from + 1);
  let wrote = false;
  let segmentStart = from + 1;
  let f = 0;
  for (;;) {
    // The members between two that go, without the commas next to those.
    let r = f;
    while (r < count && texts[r] !== undefined) r++;
    const start = f === 0 ? segmentStart : segmentStart + 1;
    // The comma before the key (`, "k"` when the line has gaps).
    const end = r < count ? found[r]!.keyStart - 2 - gap : close;
    if (end > start) {
      if (wrote) out.text(',');
      let at = start;
      for (let i = f; i < r; i++) {
        out.range(at, found[i]!.valueStart);
        out.text(texts[i]!);
        at = found[i]!.valueEnd;
      }
      out.range(at, end);
      wrote = true;
    }
    if (r >= count) break;
    segmentStart = found[r]!.valueEnd;
    f = r + 1;
  }
  if (members !== '') {
    if (wrote) out.text(',');
    out.text(members);
  }
  out.range(close, to);
}

/** What JSON.stringify writes for the string or number written otherwise as `token` (in the byte view when `bytes`). */
function canonicalText(token: string, bytes: boolean): string {
  if (token.charCodeAt(0) !== 34) return JSON.stringify(Number(token));
  return JSON.stringify(JSON.parse(bytes ? stringOf(token) : token));
}

function keyText(name: string, bytes: boolean): string {
  const text = JSON.stringify(name).slice(1, -1);
  return bytes ? viewOf(text) : text;
}

/** The value of the canonical JSON text line[start, end). */
function valueAt(line: string, start: number, end: number, bytes: boolean): unknown {
  const c = line.charCodeAt(start);
  if (c === 34) {
    const text = bytes ? stringOf(line.slice(start + 1, end - 1)) : line.slice(start + 1, end - 1);
    return text.includes('\\') ? JSON.parse(`"${text}"`) : text;
  }
  if (c === 123 || c === 91) return JSON.parse(bytes ? stringOf(line.slice(start, end)) : line.slice(start, end));
  const literal = literalEnd(line, start);
  return literal > 0 ? literalValue(c) : Number(line.slice(start, end));
}

/** The index in names of the name that line[start, end) spells, or -1. */
function nameAt(line: string, start: number, end: number, names: readonly string[]): number {
  for (let f = 0; f < names.length; f++) {
    const name = names[f]!;
    if (name.length === end - start && line.startsWith(name, start)) return f;
  }
  return -1;
}

/** A splice's check costs a fraction of what a hit saves: it goes on while one line in sixteen is canonical. */
export const SPLICE_MISS_SHARE = 15 / 16;
