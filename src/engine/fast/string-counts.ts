/**
 * Counts per string key, in first-seen order, for the count lane. It does what
 * a Map<string, number> would, but a key can also be given as a range of a
 * larger string or of undecoded bytes: a key already counted then costs a hash
 * over its characters and one comparison in place, with no string made. A Map
 * needs a fresh string per lookup, and making, hashing and comparing fresh
 * strings was most of reduce-by-key's time (docs/PERFORMANCE.md).
 *
 * Open addressing with linear probing; each slot holds a key's hash, count,
 * and where its characters are in one array of code units, so a probe and the
 * comparison of a byte key touch no string. Keys are listed in first-seen
 * order; a key's slot is found again by its hash when its count is read (rows
 * are read once a batch), so growing the table reads the old slots in order
 * and writes each once: with a list of slots kept up to date it cost a cache
 * miss more per key moved (rehash was 5% of a 50,000-key word count). The hash is FNV-1a over
 * UTF-16 code units (for ASCII bytes the same values) with a per-process random
 * seed, so inputs cannot be crafted to collide on purpose.
 */
/** The hash of the empty key; fold in each character code with hashStep(). */
export const HASH_START = ((Math.random() * 0x7fffffff) | 0) ^ 0x811c9dc5;
const INITIAL_SLOTS = 1024;
/** Ints per slot: hash, the key's start in `codes` + 1 (0: empty), its length, its count. */
const SLOT = 4;

export function hashStep(h: number, code: number): number {
  return Math.imul(h ^ code, 16777619);
}

export class StringCounts {
  /**
   * The table. A lookup of a key seen before touches its slot and its code
   * units, nothing else: the count lives in the slot (a separate array of
   * counts was one more cache miss per word over tens of thousands of keys).
   */
  private slots = new Int32Array(SLOT * INITIAL_SLOTS);
  private mask = INITIAL_SLOTS - 1;
  /** Every key's UTF-16 code units, one after another: a key is compared here without reaching its string. */
  private codes = new Uint16Array(4096);
  private codesUsed = 0;
  private keyList: string[] = [];

  get size(): number {
    return this.keyList.length;
  }

  /** Counts key s[from, to). True when the key is new (then `lastKey()` is its string). */
  addRange(s: string, from: number, to: number): boolean {
    let h = HASH_START;
    for (let i = from; i < to; i++) h = hashStep(h, s.charCodeAt(i));
    return this.addHashedRange(s, from, to, h);
  }

  /** addRange() for a caller that computed the key's hash (hashStep from HASH_START over its characters) while finding it. */
  addHashedRange(s: string, from: number, to: number, h: number): boolean {
    const slots = this.slots;
    const length = to - from;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const at = SLOT * i;
      const start = slots[at + 1]! - 1;
      if (start < 0) {
        this.insert(i, h, s.slice(from, to));
        return true;
      }
      if (slots[at] === h && slots[at + 2] === length && this.sameText(start, s, from, length)) {
        slots[at + 3]!++;
        return false;
      }
    }
  }

  /** Counts the key whose characters are the bytes[from, to), all ASCII (the caller checked). True when the key is new. */
  addAsciiBytes(bytes: Uint8Array, from: number, to: number): boolean {
    let h = HASH_START;
    for (let i = from; i < to; i++) h = hashStep(h, bytes[i]!);
    return this.addHashedAsciiBytes(bytes, from, to, h);
  }

  /** addAsciiBytes() for a caller that computed the key's hash (hashStep from HASH_START over its bytes) while checking them. */
  addHashedAsciiBytes(bytes: Uint8Array, from: number, to: number, h: number): boolean {
    const slots = this.slots;
    const length = to - from;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const at = SLOT * i;
      const start = slots[at + 1]! - 1;
      if (start < 0) {
        this.insert(i, h, asciiString(bytes, from, to));
        return true;
      }
      if (slots[at] === h && slots[at + 2] === length && this.sameBytes(start, bytes, from, length)) {
        slots[at + 3]!++;
        return false;
      }
    }
  }

  /** Counts key s. True when the key is new. */
  add(s: string): boolean {
    return this.addRange(s, 0, s.length);
  }

  /** The key added last: after an add returned true, the new key. */
  lastKey(): string {
    return this.keyList[this.keyList.length - 1]!;
  }

  /** Keys and counts in first-seen order. */
  *[Symbol.iterator](): IterableIterator<[string, number]> {
    for (let i = 0; i < this.keyList.length; i++) yield [this.keyList[i]!, this.countAt(i)];
  }

  /** The key first seen `index`-th (from 0; index < size). */
  keyAt(index: number): string {
    return this.keyList[index]!;
  }

  /** The count of keyAt(index). */
  countAt(index: number): number {
    const key = this.keyList[index]!;
    let h = HASH_START;
    for (let j = 0; j < key.length; j++) h = hashStep(h, key.charCodeAt(j));
    const slots = this.slots;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const at = SLOT * i;
      if (slots[at] === h && slots[at + 2] === key.length && this.sameText(slots[at + 1]! - 1, key, 0, key.length)) return slots[at + 3]!;
    }
  }

  clear(): void {
    this.slots = new Int32Array(SLOT * INITIAL_SLOTS);
    this.mask = INITIAL_SLOTS - 1;
    this.codes = new Uint16Array(4096);
    this.codesUsed = 0;
    this.keyList = [];
  }

  private sameBytes(start: number, bytes: Uint8Array, from: number, length: number): boolean {
    const codes = this.codes;
    for (let j = 0; j < length; j++) if (codes[start + j] !== bytes[from + j]) return false;
    return true;
  }

  private sameText(start: number, s: string, from: number, length: number): boolean {
    const codes = this.codes;
    for (let j = 0; j < length; j++) if (codes[start + j] !== s.charCodeAt(from + j)) return false;
    return true;
  }

  private insert(slot: number, hash: number, key: string): void {
    if (this.codesUsed + key.length > this.codes.length) {
      const grown = new Uint16Array(Math.max(2 * this.codes.length, this.codesUsed + key.length));
      grown.set(this.codes.subarray(0, this.codesUsed));
      this.codes = grown;
    }
    const start = this.codesUsed;
    for (let j = 0; j < key.length; j++) this.codes[start + j] = key.charCodeAt(j);
    this.codesUsed += key.length;
    this.keyList.push(key);
    const at = SLOT * slot;
    this.slots[at] = hash;
    this.slots[at + 1] = start + 1;
    this.slots[at + 2] = key.length;
    this.slots[at + 3] = 1;
    // At most half full, so probe runs stay short.
    if (this.keyList.length * 2 > this.mask + 1) this.rehash(2 * (this.mask + 1));
  }

  private rehash(size: number): void {
    const old = this.slots;
    const slots = new Int32Array(SLOT * size);
    const mask = size - 1;
    for (let j = 0; j < old.length; j += SLOT) {
      if (old[j + 1] === 0) continue;
      let i = old[j]! & mask;
      while (slots[SLOT * i + 1] !== 0) i = (i + 1) & mask;
      const to = SLOT * i;
      slots[to] = old[j]!;
      slots[to + 1] = old[j + 1]!;
      slots[to + 2] = old[j + 2]!;
      slots[to + 3] = old[j + 3]!;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/** Longest key made one character at a time: shorter strings are flat copies in V8, longer ones would be left as chains of pieces. */
const SHORT_KEY = 12;

/**
 * The string of the ASCII bytes[from, to). A short key is made by
 * String.fromCharCode per byte (16-25 against 140-160 ns a key through a
 * Buffer view and its Latin-1 decoding, measured over 50,000 words).
 */
function asciiString(bytes: Uint8Array, from: number, to: number): string {
  if (to - from > SHORT_KEY) return Buffer.from(bytes.buffer, bytes.byteOffset + from, to - from).toString('latin1');
  let s = '';
  for (let i = from; i < to; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}
