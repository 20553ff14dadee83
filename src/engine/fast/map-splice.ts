import { fieldsOfExpression } from './expression-fields.js';
import { canonicalObjectEnd, MAX_CHECKED_DEPTH } from './canonical-json.js';
import { literalEnd, literalValue } from './flat-fields.js';
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

/** `{...}` members that JSON.stringify gives for the added fields' object, or undefined when it has none. */
export function addedMembers(added: object): string {
  return JSON.stringify(added).slice(1, -1);
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
  /** The names as they are written in a canonical line (escaped). */
  private readonly fieldTexts: string[];
  private readonly keyTexts: string[];
  private readonly depth: number;
  private line = '';
  private out: Record<string, unknown> = {};

  constructor(
    private readonly fields: readonly string[],
    keys: readonly string[],
    maxDepth: number,
  ) {
    this.fieldTexts = fields.map(keyText);
    this.keyTexts = keys.map(keyText);
    this.depth = Math.min(maxDepth, MAX_CHECKED_DEPTH);
  }

  read(line: string): Record<string, unknown> | undefined {
    this.line = line;
    this.out = {};
    const end = canonicalObjectEnd(line, 0, this.depth, this.member);
    this.line = '';
    return end === line.length ? this.out : undefined;
  }

  private readonly member = (keyStart: number, keyEnd: number, valueStart: number, valueEnd: number): boolean => {
    const line = this.line;
    if (nameAt(line, keyStart, keyEnd, this.keyTexts) >= 0) return false;
    const wanted = nameAt(line, keyStart, keyEnd, this.fieldTexts);
    if (wanted >= 0) {
      const name = this.fields[wanted]!;
      const value = valueAt(line, valueStart, valueEnd);
      // An own __proto__ as JSON.parse makes it, not the prototype.
      if (name === '__proto__') Object.defineProperty(this.out, name, { value, enumerable: true, writable: true, configurable: true });
      else this.out[name] = value;
    }
    return true;
  };
}

function keyText(name: string): string {
  return JSON.stringify(name).slice(1, -1);
}

/** The value of the canonical JSON text line[start, end). */
function valueAt(line: string, start: number, end: number): unknown {
  const c = line.charCodeAt(start);
  if (c === 34) {
    const text = line.slice(start + 1, end - 1);
    return text.includes('\\') ? JSON.parse(line.slice(start, end)) : text;
  }
  if (c === 123 || c === 91) return JSON.parse(line.slice(start, end));
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
