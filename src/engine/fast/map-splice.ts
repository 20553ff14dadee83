import { fieldsOfExpression } from './expression-fields.js';
import { literalEnd, literalValue, stringEnd } from './flat-fields.js';
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
 * True when `line` is exactly what JSON.stringify(JSON.parse(line)) gives and
 * has none of `keys`: a flat object, no spaces, no escapes or control
 * characters, numbers in their shortest form, no key twice, no index-like key
 * (JSON.parse would reorder it) and no `__proto__`. Nested values make it false.
 */
export function isCanonicalLine(line: string, keys: readonly string[]): boolean {
  return canonicalProjection(line, NO_FIELDS, keys) !== undefined;
}

const NO_FIELDS: readonly string[] = [];

/**
 * isCanonicalLine() and the values of the wanted `fields` that are present,
 * from one scan: the record a spliced map's added fields are computed from.
 * Undefined when the line is not canonical.
 */
export function canonicalProjection(line: string, fields: readonly string[], keys: readonly string[]): Record<string, unknown> | undefined {
  const n = line.length;
  if (line.charCodeAt(0) !== 123 || line.charCodeAt(n - 1) !== 125) return undefined;
  const out: Record<string, unknown> = {};
  if (n === 2) return out;
  const starts: number[] = [];
  let i = 1;
  for (;;) {
    if (line.charCodeAt(i) !== 34) return undefined;
    const keyStart = i + 1;
    const keyEnd = stringEnd(line, keyStart);
    if (keyEnd < 0 || line.charCodeAt(keyEnd + 1) !== 58) return undefined;
    const k0 = line.charCodeAt(keyStart);
    if (k0 >= 48 && k0 <= 57 && isIndexLike(line.slice(keyStart, keyEnd))) return undefined;
    if (nameAt(line, keyStart, keyEnd, keys) >= 0 || nameAt(line, keyStart, keyEnd, FORBIDDEN) >= 0 || seenBefore(line, keyStart, keyEnd, starts)) return undefined;
    starts.push(keyStart);
    const wanted = nameAt(line, keyStart, keyEnd, fields);
    i = keyEnd + 2;
    const c = line.charCodeAt(i);
    let valueEnd: number;
    let value: unknown;
    if (c === 34) {
      valueEnd = stringEnd(line, i + 1);
      if (valueEnd < 0) return undefined;
      if (wanted >= 0) value = line.slice(i + 1, valueEnd);
      valueEnd++;
    } else if ((valueEnd = literalEnd(line, i)) > 0) {
      value = literalValue(c);
    } else {
      valueEnd = canonicalNumberEnd(line, i);
      if (valueEnd < 0) return undefined;
      if (wanted >= 0) value = Number(line.slice(i, valueEnd));
    }
    if (wanted >= 0) out[fields[wanted]!] = value;
    i = valueEnd;
    const sep = line.charCodeAt(i);
    if (sep === 125) return i === n - 1 ? out : undefined;
    if (sep !== 44) return undefined;
    i++;
  }
}

const FORBIDDEN = ['__proto__'];

/** The index in names of the name that line[start, end) spells, or -1. */
function nameAt(line: string, start: number, end: number, names: readonly string[]): number {
  for (let f = 0; f < names.length; f++) {
    const name = names[f]!;
    if (name.length === end - start && line.startsWith(name, start)) return f;
  }
  return -1;
}

/** True when the key at start (closing quote at end) equals an earlier key of the line, each given by its start. */
function seenBefore(line: string, start: number, end: number, starts: readonly number[]): boolean {
  const length = end - start;
  for (const other of starts) {
    if (line.charCodeAt(other + length) !== 34) continue;
    let j = 0;
    while (j < length && line.charCodeAt(start + j) === line.charCodeAt(other + j)) j++;
    if (j === length) return true;
  }
  return false;
}

/** The end of a number token at i when it is written as JSON.stringify writes it; -1 otherwise. */
function canonicalNumberEnd(s: string, i: number): number {
  let j = i;
  let plain = true;
  for (; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c >= 48 && c <= 57) continue;
    if (c === 45 || c === 43 || c === 46 || c === 101 || c === 69) plain = false;
    else break;
  }
  if (j === i) return -1;
  const token = s.slice(i, j);
  // Short digit strings without a leading zero are their own shortest form.
  if (plain && j - i <= 15 && (s.charCodeAt(i) !== 48 || j - i === 1)) return j;
  const x = Number(token);
  return Number.isFinite(x) && String(x) === token ? j : -1;
}
