import type { AggregateSpec } from '../aggregates.js';
import type { KeySpec } from '../grouping.js';
import { projectFlatObject } from './flat-fields.js';
import { jsonValue, LineShapes } from './line-shapes.js';
import { BlockLayouts } from './block-layouts.js';
import type { TakenLines } from '../framing.js';

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
export class KeyedLines {
  private readonly shapes: LineShapes;
  private readonly fields: string[];
  private readonly keyCount: number;
  /** Index in `fields` of each aggregate's field, -1 for count. */
  private readonly aggField: Int32Array;
  /** The numbers of the last line read, per aggregate (NaN: missing or null; see addNumbers()). */
  readonly numbers: Float64Array;
  /** The JSON text of each key field in the last line read (canonical, 'null' when missing). */
  readonly keyText: string[];

  private constructor(
    keyFields: readonly string[],
    aggregates: readonly AggregateSpec[],
    private readonly maxDepth: number,
  ) {
    this.fields = [...keyFields, WINDOW];
    this.keyCount = keyFields.length;
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
    this.keyText = new Array<string>(this.keyCount).fill('null');
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
      // A layout not seen yet: learned from a line the general scanner accepts.
      if (projectFlatObject(line, this.fields, this.maxDepth) === undefined) return false;
      shapes.learn(line);
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

  private readMatched(shapes: { raw(f: number): string | undefined }): boolean {
    for (let k = 0; k < this.keyCount; k++) {
      const text = shapes.raw(k);
      if (text === undefined) {
        this.keyText[k] = 'null';
        continue;
      }
      const c = text.charCodeAt(0);
      if (c === 123 || c === 91) return false; // an object or array key: the general path
      if (c === 45 || (c >= 48 && c <= 57)) {
        const canonical = canonicalNumber(text);
        if (canonical === undefined) return false;
        this.keyText[k] = canonical;
      } else if (c === 34 && text.indexOf('\\', 1) >= 0) {
        // Escapes: the text JSON.stringify writes for the string they spell.
        this.keyText[k] = JSON.stringify(JSON.parse(text));
      } else this.keyText[k] = text;
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
    return this.matched.raw(this.keyCount);
  }

  /**
   * groupId() of the last line's key values, made from their JSON text: a
   * string's text is what JSON.stringify writes for it (read() rewrote any
   * with escapes; without them a decoded line holds no control character
   * and no lone surrogate, which JSON.stringify would escape).
   */
  groupId(): string {
    const keyText = this.keyText;
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
    return this.keyText.map(jsonValue);
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

const SEPARATOR = 44; // ','

/**
 * The groups of one window table by their key fields' JSON text, found without
 * making the group id: a Map lookup with a new id string per line (concatenated,
 * then flattened and hashed) was most of reduce-by-key's time on two keys. The
 * texts joined by commas identify the group exactly as the id does (each is
 * one canonical JSON value). Groups are only ever added to a table, never
 * removed from it, so an entry stays right for as long as its table lives;
 * a group added by another path is found by its id once and then entered here.
 */
export class KeyTextIndex<G> {
  /** Pairs: hash, entry + 1 (0: empty). */
  private slots = new Int32Array(2 * 256);
  private mask = 255;
  /** Each entry's joined texts, one after another. */
  private codes = new Uint16Array(4096);
  private codesUsed = 0;
  private readonly starts: number[] = [];
  private readonly lengths: number[] = [];
  private readonly values: G[] = [];
  /** Hash and joined length of the texts last looked up, for add(). */
  private lastHash = 0;
  private lastLength = 0;

  /** The value entered for these texts; undefined when there is none (then add() may follow for the same texts). */
  find(texts: readonly string[]): G | undefined {
    let h = 0x811c9dc5;
    let length = texts.length - 1;
    for (let k = 0; k < texts.length; k++) {
      const t = texts[k]!;
      if (k > 0) h = Math.imul(h ^ SEPARATOR, 16777619);
      for (let i = 0; i < t.length; i++) h = Math.imul(h ^ t.charCodeAt(i), 16777619);
      length += t.length;
    }
    this.lastHash = h;
    this.lastLength = length;
    const slots = this.slots;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const entry = slots[2 * i + 1]! - 1;
      if (entry < 0) return undefined;
      if (slots[2 * i] === h && this.lengths[entry] === length && this.same(this.starts[entry]!, texts)) return this.values[entry];
    }
  }

  /** Enters value for the texts of the last find(), which found nothing. */
  add(texts: readonly string[], value: G): void {
    const length = this.lastLength;
    if (this.codesUsed + length > this.codes.length) {
      const grown = new Uint16Array(Math.max(2 * this.codes.length, this.codesUsed + length));
      grown.set(this.codes.subarray(0, this.codesUsed));
      this.codes = grown;
    }
    const start = this.codesUsed;
    let at = start;
    for (let k = 0; k < texts.length; k++) {
      const t = texts[k]!;
      if (k > 0) this.codes[at++] = SEPARATOR;
      for (let i = 0; i < t.length; i++) this.codes[at++] = t.charCodeAt(i);
    }
    this.codesUsed = at;
    const entry = this.values.length;
    this.starts.push(start);
    this.lengths.push(length);
    this.values.push(value);
    this.place(this.slots, this.mask, this.lastHash, entry);
    if (2 * this.values.length > this.mask + 1) this.grow();
  }

  private same(start: number, texts: readonly string[]): boolean {
    const codes = this.codes;
    let at = start;
    for (let k = 0; k < texts.length; k++) {
      const t = texts[k]!;
      if (k > 0 && codes[at++] !== SEPARATOR) return false;
      for (let i = 0; i < t.length; i++) if (codes[at++] !== t.charCodeAt(i)) return false;
    }
    return true;
  }

  private place(slots: Int32Array, mask: number, h: number, entry: number): void {
    let i = h & mask;
    while (slots[2 * i + 1] !== 0) i = (i + 1) & mask;
    slots[2 * i] = h;
    slots[2 * i + 1] = entry + 1;
  }

  private grow(): void {
    const old = this.slots;
    const size = 2 * (this.mask + 1);
    const slots = new Int32Array(2 * size);
    for (let j = 0; j < old.length; j += 2) if (old[j + 1] !== 0) this.place(slots, size - 1, old[j]!, old[j + 1]! - 1);
    this.slots = slots;
    this.mask = size - 1;
  }
}
