import type { AggregateSpec } from '../aggregates.js';
import type { KeySpec } from '../grouping.js';
import { projectFlatObject } from './flat-fields.js';
import { jsonValue, LineShapes } from './line-shapes.js';
import { BlockLayouts } from './block-layouts.js';
import type { TakenLines } from '../framing.js';
import type { KeyTexts } from './key-text-index.js';
import type { FieldTexts } from './fields-read.js';

const WINDOW = 'window';

/**
 * Reads what reduce-by-key needs from an input line without building a record:
 * the key's group identity as a string made from the key fields' JSON text
 * (the same string groupId() makes from the parsed values), the window's JSON
 * text, and the numbers its aggregates add. For plain top-level key fields and
 * count/sum/avg/min/max of top-level fields. read() answers only for a line a
 * learned layout matches (line-shapes.ts) whose key values are scalars and whose
 * aggregated fields are finite numbers, null or missing: exactly the lines on
 * which the general path takes the same values and reports nothing. Any other
 * line goes to the general path.
 */
export class KeyedLines implements KeyTexts {
  private readonly shapes: LineShapes;
  /** The fields read, each once: the key fields, `window`, then the aggregates' other fields. */
  readonly fields: string[];
  private readonly keyCount: number;
  /** Index in `fields` of each key field (a field named twice in the key is read once), and of `window`. */
  private readonly keyField: Int32Array;
  private readonly windowAt: number;
  /** Index in `fields` of each aggregate's field, -1 for count. */
  private readonly aggField: Int32Array;
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
    this.keyField = Int32Array.from(keyFields, (field) => {
      const f = this.fields.indexOf(field);
      return f >= 0 ? f : this.fields.push(field) - 1;
    });
    this.windowAt = this.fields.push(WINDOW) - 1;
    this.keyCount = keyFields.length;
    this.checked = new CheckedFields(this.windowAt);
    this.aggField = new Int32Array(aggregates.length);
    aggregates.forEach((a, i) => {
      if (a.kind === 'count') {
        this.aggField[i] = -1;
        return;
      }
      const field = (a as { field: string }).field;
      let f = this.fields.indexOf(field);
      if (f < 0) f = this.fields.push(field) - 1;
      this.aggField[i] = f;
    });
    this.numbers = new Float64Array(aggregates.length).fill(NaN);
    this.keySource = new Array<string>(this.keyCount).fill('null');
    this.keyFrom = new Int32Array(this.keyCount);
    this.keyTo = new Int32Array(this.keyCount);
    this.shapes = new LineShapes(this.fields, maxDepth);
    this.matched = this.shapes;
  }

  /** A reader when the key is one or more plain top-level fields and every aggregate is count, sum, avg, min or max of a plain top-level field. */
  static for(key: KeySpec, aggregates: readonly AggregateSpec[], maxDepth: number): KeyedLines | undefined {
    if (key.expr !== undefined || key.fields.length === 0) return undefined;
    const plain = (f: string) => f !== '' && !f.includes('.') && f !== WINDOW && f !== '__proto__';
    if (!key.fields.every(plain)) return undefined;
    for (const a of aggregates) {
      if (a.kind === 'count') continue;
      if (a.kind !== 'sum' && a.kind !== 'avg' && a.kind !== 'min' && a.kind !== 'max') return undefined;
      if (!plain(a.field)) return undefined;
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
  private matched: { raw(f: number): string | undefined };

  /**
   * read() for the lines of a whole read in place (see BlockLayouts.scan and
   * LineSink.takeLineBytes), without a string per line: `take` is called
   * after each line read, and may decline it. Stops at the first line read()
   * would leave to the general path, or that `take` declines.
   */
  readLines(bytes: Buffer, from: number, end: number, maxLineBytes: number, take: () => boolean): TakenLines {
    const block = (this.block ??= new BlockLayouts(undefined, [], this.maxDepth, this.fields));
    this.matched = block;
    return block.scan(bytes, from, end, maxLineBytes, () => this.readMatched(block) && take());
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

  private readMatched(shapes: { raw(f: number): string | undefined }): boolean {
    for (let k = 0; k < this.keyCount; k++) {
      let text = shapes.raw(this.keyField[k]!);
      if (text === undefined) text = 'null';
      else {
        const c = text.charCodeAt(0);
        if (c === 123 || c === 91) return false; // an object or array key: the general path
        if (c === 45 || (c >= 48 && c <= 57)) {
          const canonical = canonicalNumber(text);
          if (canonical === undefined) return false;
          text = canonical;
        } else if (c === 34 && text.indexOf('\\', 1) >= 0) {
          // Escapes: the text JSON.stringify writes for the string they spell.
          text = JSON.stringify(JSON.parse(text));
        }
      }
      this.keySource[k] = text;
      this.keyFrom[k] = 0;
      this.keyTo[k] = text.length;
    }
    const agg = this.aggField;
    for (let i = 0; i < agg.length; i++) {
      const f = agg[i]!;
      if (f < 0) continue;
      const text = shapes.raw(f);
      if (text === undefined || text === 'null') {
        this.numbers[i] = NaN;
        continue;
      }
      const c = text.charCodeAt(0);
      if (!(c === 45 || (c >= 48 && c <= 57))) return false; // not a number: the general path reports it
      const x = Number(text);
      if (!Number.isFinite(x)) return false;
      this.numbers[i] = x;
    }
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
