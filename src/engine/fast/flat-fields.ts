import { LineShapes } from './line-shapes.js';

/**
 * Reads chosen top-level fields of a JSON object line without JSON.parse of
 * the whole line, e.g. the key of `{"word":"w3f"}` for reduce-by-key. It only
 * answers when the answer is certainly what JSON.parse would give: the line
 * must be a complete, valid object whose values are strings without escapes,
 * numbers, true, false, null, or objects and arrays nested at most `maxDepth`
 * levels in all (the stage's --max-depth), each given to JSON.parse alone.
 * Anything unusual (escapes, deeper nesting, a wanted key twice, `__proto__`,
 * bad syntax) returns undefined, and the caller uses JSON.parse, which also
 * reports errors exactly as before.
 *
 * The result holds only the wanted fields that are present.
 */
export function projectFlatObject(line: string, fields: readonly string[], maxDepth = 1): Record<string, unknown> | undefined {
  // Wanted keys seen so far, one bit each; a key twice, __proto__ or too many fields: JSON.parse decides.
  if (fields.length > 30 || fields.includes('__proto__')) return undefined;
  let seen = 0;
  const plain = !ESCAPE_OR_CONTROL.test(line);
  const n = line.length;
  let i = line.charCodeAt(0) === 123 ? 0 : skipSpace(line, 0);
  if (line.charCodeAt(i) !== 123 /* { */) return undefined;
  const out: Record<string, unknown> = {};
  i = skipSpace(line, i + 1);
  if (line.charCodeAt(i) === 125 /* } */) return skipSpace(line, i + 1) === n ? out : undefined;
  for (;;) {
    if (line.charCodeAt(i) !== 34 /* " */) return undefined;
    const keyStart = i + 1;
    const keyEnd = stringEnd(line, keyStart);
    if (keyEnd < 0) return undefined;
    const wanted = wantedIndex(line, keyStart, keyEnd, fields);
    i = keyEnd + 1;
    if (line.charCodeAt(i) !== 58 /* : */) {
      i = skipSpace(line, i);
      if (line.charCodeAt(i) !== 58) return undefined;
    }
    i++;
    if (isSpace(line.charCodeAt(i))) i = skipSpace(line, i);
    const c = line.charCodeAt(i);
    let value: unknown;
    let valueEnd: number;
    if (c === 34) {
      // The first quote ends the string unless an escape comes before it, which the test rejects.
      const close = line.indexOf('"', i + 1);
      if (close < 0) return undefined;
      // A line without any backslash or control character needs no check per string.
      if (wanted >= 0 || !plain) {
        const text = line.slice(i + 1, close);
        if (!plain && ESCAPE_OR_CONTROL.test(text)) return undefined;
        value = text;
      }
      valueEnd = close + 1;
    } else if (c === 45 || (c >= 48 && c <= 57)) {
      valueEnd = numberEnd(line, i);
      if (valueEnd < 0) return undefined;
      if (wanted >= 0) value = numberValue(line, i, valueEnd);
    } else if ((valueEnd = literalEnd(line, i)) > 0) {
      value = literalValue(c);
    } else if (c === 123 || c === 91) {
      // A nested object or array: JSON.parse of its text alone, which also validates it.
      valueEnd = nestedEnd(line, i, maxDepth - 1);
      if (valueEnd < 0) return undefined;
      try {
        value = JSON.parse(line.slice(i, valueEnd));
      } catch {
        return undefined;
      }
    } else {
      return undefined; // not JSON
    }
    if (wanted >= 0) {
      const bit = 1 << wanted;
      if (seen & bit) return undefined;
      seen |= bit;
      out[fields[wanted]!] = value;
    }
    i = valueEnd;
    let sep = line.charCodeAt(i);
    if (isSpace(sep)) {
      i = skipSpace(line, i);
      sep = line.charCodeAt(i);
    }
    if (sep === 44 /* , */) {
      i++;
      if (isSpace(line.charCodeAt(i))) i = skipSpace(line, i);
      continue;
    }
    if (sep === 125 /* } */ && (i + 1 === n || skipSpace(line, i + 1) === n)) return out;
    return undefined;
  }
}

// eslint-disable-next-line no-control-regex
const ESCAPE_CONTROL_OR_QUOTE = /["\\\x00-\x1f]/;

/** How JSON.stringify begins an object whose first field is `field` holding a string: `{"field":"`. */
export function stringFieldPrefix(field: string): string {
  return `{${JSON.stringify(field)}:"`;
}

/**
 * Where the value starts in a line that is exactly `prefix` + value + `"}`
 * (prefix from stringFieldPrefix), the value free of escapes and control
 * characters, so that its characters are the string as they stand; the value
 * ends 2 before the end of the line. -1 for any other line.
 */
export function soleStringValueStart(line: string, prefix: string): number {
  const from = prefix.length;
  const end = line.length - 2;
  if (end < from || line.charCodeAt(end + 1) !== 125 /* } */ || line.charCodeAt(end) !== 34 /* " */ || !line.startsWith(prefix)) return -1;
  if (end - from > 24) return ESCAPE_CONTROL_OR_QUOTE.test(line.slice(from, end)) ? -1 : from;
  for (let i = from; i < end; i++) {
    const c = line.charCodeAt(i);
    if (c === 34 || c === 92 || c < 32) return -1;
  }
  return from;
}

/**
 * soleStringValueStart() for undecoded bytes: the line starts at `pos` among
 * lines separated by LF, the last ending at `end` (see
 * LineSink.takeLineBytes). When the line is exactly `prefix` + text + `"}`
 * (prefix from stringFieldPrefix, as bytes), at most `maxLineBytes` long, with
 * printable ASCII text free of quotes and backslashes (so the line is valid
 * UTF-8 and the text is the string as it stands), returns the index of the
 * closing quote: the text is bytes[pos + prefix.length, index) and the line
 * ends 2 after it. Else -1.
 */
export function soleAsciiValueEnd(bytes: Uint8Array, pos: number, end: number, prefix: Uint8Array, maxLineBytes: number): number {
  for (let i = 0; i < prefix.length; i++) if (bytes[pos + i] !== prefix[i]) return -1;
  let i = pos + prefix.length;
  for (; ; i++) {
    if (i >= end) return -1;
    const c = bytes[i]!;
    if (c === 34) break;
    if (c < 32 || c > 126 || c === 92) return -1;
  }
  const lineEnd = i + 2;
  if (bytes[i + 1] !== 125 || lineEnd > end || (lineEnd < end && bytes[lineEnd] !== 10) || lineEnd - pos > maxLineBytes) return -1;
  return i;
}

/**
 * projectFlatObject() for one set of fields, with the commonest shape first: a
 * line that is one wanted field holding a plain string, like `{"word":"w3f"}`.
 */
export class FlatProjector {
  private readonly prefixes: string[];
  /** The layouts of lines read before (line-shapes.ts), when the fields allow a fast path at all. */
  private readonly shapes: LineShapes | undefined;

  constructor(
    private readonly fields: readonly string[],
    private readonly maxDepth = 1,
  ) {
    const usable = fields.length <= 30 && !fields.includes('__proto__');
    this.prefixes = usable && fields.length <= 4 ? fields.map(stringFieldPrefix) : [];
    this.shapes = usable ? new LineShapes(fields, maxDepth) : undefined;
  }

  project(line: string): Record<string, unknown> | undefined {
    for (let f = 0; f < this.prefixes.length; f++) {
      const from = soleStringValueStart(line, this.prefixes[f]!);
      if (from >= 0) {
        // Its layout answers the same lines when they hold escapes, which this check refuses.
        if (this.shapes!.empty) this.shapes!.learn(line);
        const out: Record<string, unknown> = {};
        out[this.fields[f]!] = line.slice(from, line.length - 2);
        return out;
      }
    }
    const shapes = this.shapes;
    if (shapes === undefined) return undefined;
    if (shapes.exec(line)) return shapes.record();
    // Where layouts do not pay, neither does the field scanner (nested values it would walk character by character), but at a probe that may learn.
    if (shapes.resting && !shapes.learning) return undefined;
    const out = projectFlatObject(line, this.fields, this.maxDepth);
    if (out !== undefined) shapes.learn(line);
    else shapes.learnParsed(line);
    return out;
  }
}

// eslint-disable-next-line no-control-regex
const ESCAPE_OR_CONTROL = /[\\\x00-\x1f]/;

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

function skipSpace(s: string, i: number): number {
  for (;;) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return i;
    i++;
  }
}

/** Index of the closing quote of a string starting at `from`, or -1 for an escape, a control character or no end. */
export function stringEnd(s: string, from: number): number {
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34) return i;
    if (c === 92 || c < 32) return -1;
  }
  return -1;
}

/**
 * The value of the JSON number s[from, to) (as numberEnd delimits it), as
 * JSON.parse gives it: an integer of up to 15 digits is summed digit by digit
 * (exact: below 2^53), without cutting out its text; anything else is Number()'s.
 */
export function numberValue(s: string, from: number, to: number): number {
  const negative = s.charCodeAt(from) === 45; /* - */
  const start = negative ? from + 1 : from;
  if (to - start > 15) return Number(s.slice(from, to));
  let v = 0;
  for (let i = start; i < to; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return Number(s.slice(from, to));
    v = v * 10 + d;
  }
  return negative ? -v : v;
}

/** End of a JSON number starting at `i` (exact JSON grammar), or -1. */
export function numberEnd(s: string, i: number): number {
  if (s.charCodeAt(i) === 45) i++;
  let c = s.charCodeAt(i);
  if (c === 48) i++;
  else if (c >= 49 && c <= 57) {
    do i++;
    while (isDigit(s.charCodeAt(i)));
  } else return -1;
  if (s.charCodeAt(i) === 46 /* . */) {
    i++;
    if (!isDigit(s.charCodeAt(i))) return -1;
    do i++;
    while (isDigit(s.charCodeAt(i)));
  }
  c = s.charCodeAt(i);
  if (c === 101 || c === 69 /* e E */) {
    i++;
    c = s.charCodeAt(i);
    if (c === 43 || c === 45) i++;
    if (!isDigit(s.charCodeAt(i))) return -1;
    do i++;
    while (isDigit(s.charCodeAt(i)));
  }
  return i;
}

/**
 * The end of the object or array starting at `from` (just after its closing
 * bracket), found by counting brackets outside strings; -1 when it is not
 * closed or nests deeper than `maxDepth` levels. Its text is not validated.
 */
export function nestedEnd(s: string, from: number, maxDepth: number): number {
  let depth = 0;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34) {
      for (i++; i < s.length; i++) {
        const d = s.charCodeAt(i);
        if (d === 34) break;
        if (d === 92) i++;
      }
    } else if (c === 123 || c === 91) {
      if (++depth > maxDepth) return -1;
    } else if (c === 125 || c === 93) {
      if (--depth === 0) return i + 1;
    }
  }
  return -1;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function wantedIndex(s: string, start: number, end: number, fields: readonly string[]): number {
  const length = end - start;
  for (let f = 0; f < fields.length; f++) {
    const name = fields[f]!;
    if (name.length === length && s.startsWith(name, start)) return f;
  }
  return -1;
}

/** End of the literal `true`, `false` or `null` at `i`, or -1. */
export function literalEnd(line: string, i: number): number {
  const c = line.charCodeAt(i);
  if (c === 116) return line.startsWith('true', i) ? i + 4 : -1;
  if (c === 102) return line.startsWith('false', i) ? i + 5 : -1;
  if (c === 110) return line.startsWith('null', i) ? i + 4 : -1;
  return -1;
}

/** The value of the literal whose first character code is `c` (see literalEnd). */
export function literalValue(c: number): boolean | null {
  return c === 110 ? null : c === 116;
}
