import { HASH_START, hashStep } from './string-counts.js';

/** The key fields' JSON texts of one line: text k is keySource[k].slice(keyFrom[k], keyTo[k]), read in place. */
export interface KeyTexts {
  readonly keySource: readonly string[];
  readonly keyFrom: Int32Array;
  readonly keyTo: Int32Array;
}

const SEPARATOR = 44; // ','
/** Ints per slot: hash, entry + 1 (0: empty), where the entry's texts start in `codes`, their joined length. */
const SLOT = 4;

/**
 * The groups of one window table by their key fields' JSON text, found without
 * making the group id: a Map lookup with a new id string per line (concatenated,
 * then flattened and hashed) was most of reduce-by-key's time on two keys. The
 * texts joined by commas identify the group exactly as the id does (each is
 * one canonical JSON value). Groups are only ever added to a table, never
 * removed from it, so an entry stays right for as long as its table lives;
 * a group added by another path is found by its id once and then entered here.
 * Entries are numbered from 0 in the order they are added (AccRows keeps
 * their accumulators by that number). A lookup of texts seen before touches
 * one slot (hash, entry and where its texts are) and the texts' code units,
 * no string: over thousands of groups each further place touched was a cache
 * miss per line. The hash is string-counts.ts's, with its per-process seed.
 */
export class KeyTextIndex<G> {
  private slots = new Int32Array(SLOT * 256);
  private mask = 255;
  /** Each entry's joined texts, one after another. */
  private codes = new Uint16Array(4096);
  private codesUsed = 0;
  private readonly values: G[] = [];
  /** Hash and joined length of the texts last looked up, for add(). */
  private lastHash = 0;
  private lastLength = 0;

  get size(): number {
    return this.values.length;
  }

  /** The value of entry `e`. */
  value(e: number): G {
    return this.values[e]!;
  }

  /** The entry of these texts, -1 when there is none (then add() may follow for the same texts). */
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
      const at = SLOT * i;
      const entry = slots[at + 1]! - 1;
      if (entry < 0) return -1;
      if (slots[at] === h && slots[at + 3] === length && this.same(slots[at + 2]!, keys)) return entry;
    }
  }

  /** Enters value for the texts of the last find(), which found nothing; its entry. */
  add(keys: KeyTexts, value: G): number {
    const { keySource, keyFrom, keyTo } = keys;
    const length = this.lastLength;
    if (this.codesUsed + length > this.codes.length) {
      const grown = new Uint16Array(Math.max(2 * this.codes.length, this.codesUsed + length));
      grown.set(this.codes.subarray(0, this.codesUsed));
      this.codes = grown;
    }
    const start = this.codesUsed;
    let at = start;
    for (let k = 0; k < keySource.length; k++) {
      const t = keySource[k]!;
      if (k > 0) this.codes[at++] = SEPARATOR;
      for (let i = keyFrom[k]!; i < keyTo[k]!; i++) this.codes[at++] = t.charCodeAt(i);
    }
    this.codesUsed = at;
    const entry = this.values.length;
    this.values.push(value);
    this.place(this.slots, this.mask, this.lastHash, entry, start, length);
    if (2 * this.values.length > this.mask + 1) this.grow();
    return entry;
  }

  private same(start: number, keys: KeyTexts): boolean {
    const { keySource, keyFrom, keyTo } = keys;
    const codes = this.codes;
    let at = start;
    for (let k = 0; k < keySource.length; k++) {
      const t = keySource[k]!;
      if (k > 0 && codes[at++] !== SEPARATOR) return false;
      const to = keyTo[k]!;
      for (let i = keyFrom[k]!; i < to; i++) if (codes[at++] !== t.charCodeAt(i)) return false;
    }
    return true;
  }

  private place(slots: Int32Array, mask: number, h: number, entry: number, start: number, length: number): void {
    let i = h & mask;
    while (slots[SLOT * i + 1] !== 0) i = (i + 1) & mask;
    const at = SLOT * i;
    slots[at] = h;
    slots[at + 1] = entry + 1;
    slots[at + 2] = start;
    slots[at + 3] = length;
  }

  private grow(): void {
    const old = this.slots;
    const size = 2 * (this.mask + 1);
    const slots = new Int32Array(SLOT * size);
    for (let j = 0; j < old.length; j += SLOT) if (old[j + 1] !== 0) this.place(slots, size - 1, old[j]!, old[j + 1]! - 1, old[j + 2]!, old[j + 3]!);
    this.slots = slots;
    this.mask = size - 1;
  }
}
