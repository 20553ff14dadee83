/** Turning lines into records and records into lines. */

export type Rec = Record<string, unknown>;

export const DEFAULT_MAX_DEPTH = 1000;

/**
 * Depth of the deepest array/object nesting in a JSON text, ignoring brackets
 * inside strings. Only called when the text is long enough to be that deep.
 */
export function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash escapes the next char
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) max = depth;
    } else if (c === 125 || c === 93) depth--;
  }
  return max;
}

const TEXT_HINT = '; the input looks like plain text, not NDJSON: read text with sluice source (... | sluice source | sluice map ...), which makes each line {"value": line}, or give a source --format text';

/** A line that cannot begin any JSON value: text where records were expected. */
function looksLikeText(line: string): boolean {
  const start = line.trimStart();
  return start !== '' && !/^[{["\-\d]/.test(start) && !/^(true|false|null)\b/.test(start);
}

export class RecordSyntaxError extends Error {
  override name = 'RecordSyntaxError';
}

/** Parses one NDJSON line. Nesting beyond maxDepth is an error here, at the reading stage. */
export function parseRecord(line: string, maxDepth: number): unknown {
  if (line.length > maxDepth * 2 && nestingDepth(line) > maxDepth) {
    throw new RecordSyntaxError(`nesting deeper than ${maxDepth} levels (--max-depth)`);
  }
  try {
    return JSON.parse(line);
  } catch (err) {
    throw new RecordSyntaxError(`invalid JSON: ${(err as Error).message}${looksLikeText(line) ? TEXT_HINT : ''}`);
  }
}

export function isBlank(line: string): boolean {
  if (line.length === 0) return true;
  const c = line.charCodeAt(0);
  if (c !== 32 && c !== 9 && c !== 13) return false;
  return line.trim().length === 0;
}

/** A map result that is not a plain object becomes {"value": result}, as in Spark. */
export function asRecord(value: unknown): Rec {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Rec;
  return { value };
}

export function isRecordObject(value: unknown): value is Rec {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Characters JSON.stringify may escape in a string (any surrogate, to be safe): a string without them is quoted as it is. */
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\x00-\x1f\ud800-\udfff]/;

/** True when JSON.stringify(s) is s between two quotes. */
export function isPlainJsonString(s: string): boolean {
  return !NEEDS_ESCAPE.test(s);
}

/** Encodes a text line as the record {"value": line} without building an object. */
export function textRecordLine(line: string): string {
  return isPlainJsonString(line) ? `{"value":"${line}"}` : `{"value":${JSON.stringify(line)}}`;
}

/** Reads a dotted field path (`a.b.c`) from a record; own properties only. */
export function compilePath(path: string): (r: unknown) => unknown {
  const parts = path.split('.');
  if (parts.length === 1) {
    const key = parts[0]!;
    return (r) => (isRecordObject(r) && Object.hasOwn(r, key) ? r[key] : undefined);
  }
  return (r) => {
    let cur: unknown = r;
    for (const p of parts) {
      if (!isRecordObject(cur) || !Object.hasOwn(cur, p)) return undefined;
      cur = cur[p];
    }
    return cur;
  };
}

/** Deeper than this, a value is not checked but round-tripped through JSON. */
const PLAIN_CHECK_DEPTH = 64;

/**
 * True when JSON.parse(JSON.stringify(v)) would give back an equal value: only
 * strings, finite numbers (not -0), booleans, null, arrays and plain objects
 * of them, with no undefined, no toJSON, no symbol or function.
 */
export function isPlainJson(v: unknown, depth = 0): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v) && !Object.is(v, -0);
    case 'object': {
      if (v === null) return true;
      if (depth >= PLAIN_CHECK_DEPTH) return false;
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) if (!isPlainJson(v[i], depth + 1)) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(v) as unknown;
      if (proto !== Object.prototype && proto !== null) return false;
      if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return false;
      for (const k in v) if (!isPlainJson((v as Rec)[k], depth + 1)) return false;
      return true;
    }
    default:
      return false;
  }
}

/**
 * A record as the next stage of a pipe would read it: what JSON text makes of
 * it (Infinity and NaN become null, undefined fields vanish, a Date becomes its
 * ISO string). Plain records are passed as they are, without a round trip.
 * Throws what JSON.stringify throws (a BigInt, nesting too deep).
 */
export function asPipeValue(record: unknown): unknown {
  if (isPlainJson(record)) return record;
  const text = JSON.stringify(record === undefined ? null : record);
  return JSON.parse(text === undefined ? 'null' : text);
}
