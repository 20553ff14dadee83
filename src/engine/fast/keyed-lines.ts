import type { AggregateSpec } from '../aggregates.js';
import type { KeySpec } from '../grouping.js';
import { numberValue, projectFlatObject } from './flat-fields.js';
import { jsonValue, LineShapes } from './line-shapes.js';
import { BlockLayouts } from './block-layouts.js';
import type { TakenLines } from '../framing.js';
import type { KeyTexts } from './key-text-index.js';
import type { FieldTexts } from './fields-read.js';
import { MemberPath, MISSING, UNREAD } from './member-path.js';

const WINDOW = 'window';

/**
 * Reads what reduce-by-key needs from an input line without building a record:
 * the key's group identity as a string made from the key fields' JSON text
 * (the same string groupId() makes from the parsed values), the window's JSON
 * text, and the numbers its aggregates add. For key field paths and
 * count/sum/avg/min/max of field paths (top-level fields, or dotted paths into
 * them: see KeyedLines.for). read() answers only for a line a
 * learned layout matches (line-shapes.ts) whose key values are scalars and whose
 * aggregated fields are finite numbers, null or missing: exactly the lines on
 * which the general path takes the same values and reports nothing. Any other
 * line goes to the general path.
 */
export class KeyedLines implements KeyTexts {
  private readonly shapes: LineShapes;
  /** The top-level fields read, each once: the key paths' first names, `window`, then the aggregates' other ones. */
  readonly fields: string[];
  private readonly keyCount: number;
  /** Index in `fields` of each key path's first name (a field named twice is read once), and of `window`. */
  private readonly keyField: Int32Array;
  private readonly windowAt: number;
  /** Index in `fields` of each aggregate's path's first name, -1 for count. */
  private readonly aggField: Int32Array;
  /** The rest of each key field's path and each aggregate's, undefined for a top-level field. */
  private readonly keyPath: (MemberPath | undefined)[];
  private readonly aggPath: (MemberPath | undefined)[];
  /** The numbers of the last line read, per aggregate (NaN: missing or null; see addNumbers()). */
  readonly numbers: Float64Array;
  /** The JSON text of each key field in the last line read (canonical, 'null' when missing), in place: see KeyTexts. */
  readonly keySource: string[];
  readonly keyFrom: Int32Array;
  readonly keyTo: Int32Array;

  private constructor(
    keyFields: readonly string[],
    aggregates: readonly AggregateSpec[],
    private readonly maxDepth: number,
  ) {
    this.fields = [];
    /** The index in `fields` of a path's first name (each read once), and the reader of its other names. */
    const read = (path: string): [number, MemberPath | undefined] => {
      const [first, ...rest] = path.split('.');
      let f = this.fields.indexOf(first!);
      if (f < 0) f = this.fields.push(first!) - 1;
      return [f, rest.length > 0 ? new MemberPath(rest) : undefined];
    };
    const keys = keyFields.map(read);
    this.keyField = Int32Array.from(keys, ([f]) => f);
    this.keyPath = keys.map(([, path]) => path);
    this.windowAt = this.fields.push(WINDOW) - 1;
    this.keyCount = keyFields.length;
    this.checked = new CheckedFields(this.windowAt);
    this.aggField = new Int32Array(aggregates.length).fill(-1);
    this.aggPath = aggregates.map((a, i) => {
      if (a.kind === 'count') return undefined;
      const [f, path] = read((a as { field: string }).field);
      this.aggField[i] = f;
      return path;
    });
    this.numbers = new Float64Array(aggregates.length).fill(NaN);
    this.keySource = new Array<string>(this.keyCount).fill('null');
    this.keyFrom = new Int32Array(this.keyCount);
    this.keyTo = new Int32Array(this.keyCount);
    this.shapes = new LineShapes(this.fields, maxDepth);
    this.matched = this.shapes;
  }

  /**
   * A reader when the key is one or more field paths and every aggregate is
   * count, sum, avg, min or max of a field path: a top-level field, or a
   * dotted path into one (`customer.tier`, read from the text of `customer`
   * by MemberPath), whose names are not empty, not `__proto__`, the first
   * not `window`.
   */
  static for(key: KeySpec, aggregates: readonly AggregateSpec[], maxDepth: number): KeyedLines | undefined {
    if (key.expr !== undefined || key.fields.length === 0) return undefined;
    if (!key.fields.every(readablePath)) return undefined;
    for (const a of aggregates) {
      if (a.kind === 'count') continue;
      if (a.kind !== 'sum' && a.kind !== 'avg' && a.kind !== 'min' && a.kind !== 'max') return undefined;
      if (!readablePath(a.field)) return undefined;
    }
    return new KeyedLines(key.fields, aggregates, maxDepth);
  }

  /** Reads a line; false when it is left to the general path. */
  read(line: string): boolean {
    const shapes = this.shapes;
    if (!shapes.exec(line)) {
      // A layout not seen yet: learned from a line the field scanner or JSON.parse accepts.
      if (!shapes.learning) return false;
      if (projectFlatObject(line, this.fields, this.maxDepth) === undefined) shapes.learnParsed(line);
      else shapes.learn(line);
      if (!shapes.exec(line)) return false;
    }
    this.matched = shapes;
    return this.readMatched(shapes);
  }

  /** The layouts of whole reads (readLines), made at the first. */
  private block: BlockLayouts | undefined;
  /** Where the fields of the last line read are: its shape's match or the block's. */
  private matched: FieldTexts;

  /**
   * read() for the lines of a whole read in place (see BlockLayouts.scan and
   * LineSink.takeLineBytes), without a string per line: `take` is called
   * after each line read, and may decline it. Stops at the first line read()
   * would leave to the general path, or that `take` declines.
   */
  readLines(bytes: Buffer, from: number, end: number, maxLineBytes: number, take: () => boolean, line?: number): TakenLines {
    const block = (this.block ??= new BlockLayouts(undefined, [], this.maxDepth, this.fields));
    this.matched = block;
    return block.scan(bytes, from, end, maxLineBytes, () => this.readMatched(block) && take(), undefined, line);
  }

  /** The fields of a line checked in the same process (TakesCheckedLines), its window given apart. */
  private readonly checked: CheckedFields;

  /**
   * read() for a line an earlier stage of the same process checked and
   * windowed (see TakesCheckedLines): `fields` gives the text of this.fields,
   * `windowJson` the window's.
   */
  readChecked(fields: FieldTexts, windowJson: string): boolean {
    const checked = this.checked;
    checked.fields = fields;
    checked.window = windowJson;
    this.matched = checked;
    return this.readMatched(checked);
  }

  private readMatched(shapes: FieldTexts): boolean {
    for (let k = 0; k < this.keyCount; k++) {
      const text = shapes.raw(this.keyField[k]!);
      const path = this.keyPath[k];
      if (text === undefined) this.setKey(k, 'null', 0, 4);
      else if (path === undefined) {
        if (!this.setKey(k, text, 0, text.length)) return false;
      } else {
        const found = path.find(text);
        if (found === UNREAD) return false;
        if (found === MISSING) this.setKey(k, 'null', 0, 4);
        else if (!this.setKey(k, text, path.from, path.to)) return false;
      }
    }
    const agg = this.aggField;
    for (let i = 0; i < agg.length; i++) {
      const f = agg[i]!;
      if (f < 0) continue;
      const text = shapes.raw(f);
      const path = this.aggPath[i];
      let x: number;
      if (text === undefined) x = NaN;
      else if (path === undefined) x = numberOrNull(text, 0, text.length);
      else {
        const found = path.find(text);
        if (found === UNREAD) return false;
        x = found === MISSING ? NaN : numberOrNull(text, path.from, path.to);
      }
      if (x === NOT_A_NUMBER) return false; // the general path reports it
      this.numbers[i] = x;
    }
    return true;
  }

  /**
   * Key k's text is the JSON value text[from, to), as groupId() writes it:
   * numbers in shortest form (short integers are), strings with escapes as
   * JSON.stringify writes them. False for an object or array, or a number
   * beyond the range of a double: the general path.
   */
  private setKey(k: number, text: string, from: number, to: number): boolean {
    const c = text.charCodeAt(from);
    if (c === 123 || c === 91) return false;
    if (c === 45 || (c >= 48 && c <= 57)) {
      const canonical = canonicalNumber(from === 0 && to === text.length ? text : text.slice(from, to));
      if (canonical === undefined) return false;
      text = canonical;
      from = 0;
      to = text.length;
    } else if (c === 34) {
      const escape = text.indexOf('\\', from + 1);
      if (escape >= 0 && escape < to) {
        text = JSON.stringify(JSON.parse(text.slice(from, to)));
        from = 0;
        to = text.length;
      }
    }
    this.keySource[k] = text;
    this.keyFrom[k] = from;
    this.keyTo[k] = to;
    return true;
  }

  /** The JSON text of the last line's `window`, undefined when it has none. */
  windowText(): string | undefined {
    return this.matched.raw(this.windowAt);
  }

  /**
   * groupId() of the last line's key values, made from their JSON text: a
   * string's text is what JSON.stringify writes for it (read() rewrote any
   * with escapes; without them a decoded line holds no control character
   * and no lone surrogate, which JSON.stringify would escape).
   */
  groupId(): string {
    const keyText = this.keyTexts();
    if (this.keyCount === 1) {
      const text = keyText[0]!;
      if (text.charCodeAt(0) !== 34) return '\u0000' + text;
      // A string key is its own id, unless it starts with U+0000 (written \u0000).
      return text.startsWith('"\\u0000') ? '\u0000' + text : (jsonValue(text) as string);
    }
    let id = '\u0000[' + keyText[0]!;
    for (let k = 1; k < keyText.length; k++) id += ',' + keyText[k]!;
    return id + ']';
  }

  /** The last line's key values, as the general path reads them (null when missing). */
  keyValues(): unknown[] {
    return this.keyTexts().map(jsonValue);
  }

  /** The last line's key texts as strings. */
  private keyTexts(): string[] {
    return this.keySource.map((s, k) => s.slice(this.keyFrom[k], this.keyTo[k]));
  }
}

/** The fields of a checked line, the window's text given apart (it was added after the line was checked). */
class CheckedFields implements FieldTexts {
  fields: FieldTexts | undefined;
  window = '';

  constructor(private readonly windowAt: number) {}

  raw(f: number): string | undefined {
    return f === this.windowAt ? this.window : this.fields!.raw(f);
  }
}

/** Field paths the reader reads (see KeyedLines.for). */
function readablePath(path: string): boolean {
  const names = path.split('.');
  return names[0] !== WINDOW && names.every((name) => name !== '' && name !== '__proto__');
}

/** What numberOrNull() gives for a value that is not a finite number. */
const NOT_A_NUMBER = Infinity;

/**
 * The number a sum, avg, min or max adds for the JSON value text[from, to):
 * NaN for null (skipped, as a missing field is), NOT_A_NUMBER for anything
 * else that is not a finite number (the general path reports it).
 */
function numberOrNull(text: string, from: number, to: number): number {
  const c = text.charCodeAt(from);
  if (c === 110 /* n */) return NaN;
  if (!(c === 45 || (c >= 48 && c <= 57))) return NOT_A_NUMBER;
  const x = numberValue(text, from, to);
  return Number.isFinite(x) ? x : NOT_A_NUMBER;
}

/** True when the JSON number text has no fraction and no exponent. */
function isIntegerText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 || c === 101 || c === 69) return false;
  }
  return true;
}

/**
 * JSON.stringify(Number(text)) for the text of a JSON number (an integer of up
 * to 15 digits is already that), which reads back as the same number;
 * undefined beyond the range of a double.
 */
function canonicalNumber(text: string): string | undefined {
  if (text.length <= 15 && text !== '-0' && isIntegerText(text)) return text;
  const x = Number(text);
  return Number.isFinite(x) ? JSON.stringify(x) : undefined;
}
