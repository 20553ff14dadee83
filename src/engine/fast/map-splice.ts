import { fieldsOfExpression } from './expression-fields.js';
import { canonicalObjectEnd, MAX_CHECKED_DEPTH } from './canonical-json.js';
import { literalEnd, literalValue } from './flat-fields.js';
import { stringOf, viewOf } from './byte-text.js';
import { isPlainJsonString } from '../codec.js';
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

  of(added: Record<string, unknown>): string {
    let out = '';
    for (let k = 0; k < this.keys.length; k++) {
      const v = added[this.keys[k]!];
      let member: string | undefined;
      if (typeof v === 'number') member = this.heads[k]! + (Number.isFinite(v) ? String(v) : 'null');
      else if (typeof v === 'string') member = this.heads[k]! + (isPlainJsonString(v) ? `"${v}"` : JSON.stringify(v));
      else if (typeof v === 'boolean') member = this.heads[k]! + (v ? 'true' : 'false');
      else if (v === null) member = `${this.heads[k]!}null`;
      else if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
      // Objects (toJSON is given the key) and BigInt (which throws): as JSON.stringify writes the member.
      else member = JSON.stringify({ [this.keys[k]!]: v }).slice(1, -1);
      if (member === '') continue;
      out = out === '' ? member : `${out},${member}`;
    }
    return out;
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
 * JSON.parse gives them, those the line has) when the line is canonical, is
 * no deeper than `maxDepth` and has none of the added `keys`; else undefined.
 * Nested values are checked, not parsed, unless they are read.
 */
export class CanonicalLines {
  /** The names as they are written in a canonical line (escaped; in the byte view when lines are). */
  private readonly fieldTexts: string[];
  private readonly keyTexts: string[];
  private readonly depth: number;
  private line = '';
  private out: Record<string, unknown> = {};

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
  }

  /** The record of the line text[from, to). */
  read(text: string, from = 0, to = text.length): Record<string, unknown> | undefined {
    if (text.charCodeAt(to - 1) !== 125) return undefined;
    this.line = text;
    this.out = {};
    const end = canonicalObjectEnd(text, from, this.depth, this.member);
    this.line = '';
    return end === to ? this.out : undefined;
  }

  private readonly member = (keyStart: number, keyEnd: number, valueStart: number, valueEnd: number): boolean => {
    const line = this.line;
    if (nameAt(line, keyStart, keyEnd, this.keyTexts) >= 0) return false;
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

/**
 * When to check lines for a splice. A stream whose lines are not canonical
 * (most often all of them or none) stops paying for the check: after
 * MISSES_BEFORE_SKIPS misses in a row, lines are passed over unchecked, twice
 * as many after each further miss up to MAX_SKIPS, with one checked in between.
 */
export class SpliceMisses {
  private misses = 0;
  private skips = 0;

  /** Whether to check the next line. */
  check(): boolean {
    if (this.skips === 0) return true;
    this.skips--;
    return false;
  }

  hit(): void {
    this.misses = 0;
  }

  miss(): void {
    const misses = ++this.misses;
    if (misses >= MISSES_BEFORE_SKIPS) this.skips = Math.min(2 ** (misses - MISSES_BEFORE_SKIPS + 1), MAX_SKIPS);
  }

  /** The next line offered was checked already (and missed). */
  skipOne(): void {
    this.skips++;
  }
}

const MISSES_BEFORE_SKIPS = 16;
const MAX_SKIPS = 1024;
