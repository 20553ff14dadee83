import { HASH_START, hashStep } from './string-counts.js';

/** The key fields' JSON texts of one line: text k is keySource[k].slice(keyFrom[k], keyTo[k]), read in place. */
export interface KeyTexts {
  readonly keySource: readonly string[];
  readonly keyFrom: Int32Array;
  readonly keyTo: Int32Array;
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
 *
 * Each entry is one record in one buffer: a row of `rowDoubles` doubles for
 * the caller (AccRows keeps a group's accumulators there), the joined length,
 * the entry's number, then the texts' code units. A slot holds a hash and
 * where its record is, so a lookup of texts seen before touches one slot and
 * one record, no string or object: over thousands of groups every further
 * place touched was one more cache miss per line. The hash is
 * string-counts.ts's, with its per-process seed.
 */
export class KeyTextIndex<G> {
  /** Pairs: hash, record + 1 (0: empty). */
  private slots = new Int32Array(2 * 256);
  private mask = 255;
  private buffer = new ArrayBuffer(1 << 14);
  /** The records (offsets in doubles); the rows are read and written here by the caller. Replaced when it grows: read it after add(). */
  rows = new Float64Array(this.buffer);
  private codes = new Uint16Array(this.buffer);
  private used = 0;
  /** Each entry's record, in the order entries were added. */
  private readonly records: number[] = [];
  private readonly values: G[] = [];
  /** Hash and joined length of the texts last looked up, for add(). */
  private lastHash = 0;
  private lastLength = 0;

  constructor(private readonly rowDoubles = 0) {}

  get size(): number {
    return this.values.length;
  }

  /** Where the row of the `i`th entry added is in `rows`. */
  rowOf(i: number): number {
    return this.records[i]!;
  }

  /** The value of the entry whose row is at `row`. */
  value(row: number): G {
    return this.values[this.rows[row + this.rowDoubles + 1]!]!;
  }

  /** Where the row of these texts' entry is in `rows`, -1 when there is none (then add() may follow for the same texts). */
  find(keys: KeyTexts): number {
    const { keySource, keyFrom, keyTo } = keys;
    let h = HASH_START;
    let length = keySource.length - 1;
    for (let k = 0; k < keySource.length; k++) {
      const t = keySource[k]!;
      if (k > 0) h = hashStep(h, SEPARATOR);
      const to = keyTo[k]!;
      for (let i = keyFrom[k]!; i < to; i++) h = hashStep(h, t.charCodeAt(i));
      length += to - keyFrom[k]!;
    }
    this.lastHash = h;
    this.lastLength = length;
    const slots = this.slots;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const record = slots[2 * i + 1]! - 1;
      if (record < 0) return -1;
      if (slots[2 * i] === h && this.rows[record + this.rowDoubles] === length && this.same(record, keys)) return record;
    }
  }

  /** Enters value for the texts of the last find(), which found nothing; where its row is (zeros: the buffer is only ever appended to). */
  add(keys: KeyTexts, value: G): number {
    const { keySource, keyFrom, keyTo } = keys;
    const length = this.lastLength;
    const doubles = this.rowDoubles + 2 + Math.ceil(length / 4);
    if (8 * (this.used + doubles) > this.buffer.byteLength) {
      const grown = new ArrayBuffer(Math.max(2 * this.buffer.byteLength, 8 * (this.used + doubles)));
      new Float64Array(grown).set(this.rows.subarray(0, this.used));
      this.buffer = grown;
      this.rows = new Float64Array(grown);
      this.codes = new Uint16Array(grown);
    }
    const record = this.used;
    this.used += doubles;
    const rows = this.rows;
    rows[record + this.rowDoubles] = length;
    rows[record + this.rowDoubles + 1] = this.values.length;
    const codes = this.codes;
    let at = 4 * (record + this.rowDoubles + 2);
    for (let k = 0; k < keySource.length; k++) {
      const t = keySource[k]!;
      if (k > 0) codes[at++] = SEPARATOR;
      for (let i = keyFrom[k]!; i < keyTo[k]!; i++) codes[at++] = t.charCodeAt(i);
    }
    this.records.push(record);
    this.values.push(value);
    this.place(this.slots, this.mask, this.lastHash, record);
    if (2 * this.values.length > this.mask + 1) this.grow();
    return record;
  }

  private same(record: number, keys: KeyTexts): boolean {
    const { keySource, keyFrom, keyTo } = keys;
    const codes = this.codes;
    let at = 4 * (record + this.rowDoubles + 2);
    for (let k = 0; k < keySource.length; k++) {
      const t = keySource[k]!;
      if (k > 0 && codes[at++] !== SEPARATOR) return false;
      const to = keyTo[k]!;
      for (let i = keyFrom[k]!; i < to; i++) if (codes[at++] !== t.charCodeAt(i)) return false;
    }
    return true;
  }

  private place(slots: Int32Array, mask: number, h: number, record: number): void {
    let i = h & mask;
    while (slots[2 * i + 1] !== 0) i = (i + 1) & mask;
    slots[2 * i] = h;
    slots[2 * i + 1] = record + 1;
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
