/**
 * Counts per string key, in first-seen order, for the count lane. It does what
 * a Map<string, number> would, but a key can also be given as a range of a
 * larger string or of undecoded bytes: a key already counted then costs a hash
 * over its characters and one comparison in place, with no string made. A Map
 * needs a fresh string per lookup, and making, hashing and comparing fresh
 * strings was most of reduce-by-key's time (docs/PERFORMANCE.md).
 *
 * Open addressing with linear probing; each slot holds a key's hash and index
 * side by side, so a probe touches one cache line. The hash is FNV-1a over
 * UTF-16 code units (for ASCII bytes the same values) with a per-process random
 * seed, so inputs cannot be crafted to collide on purpose.
 */
/** The hash of the empty key; fold in each character code with hashStep(). */
export const HASH_START = ((Math.random() * 0x7fffffff) | 0) ^ 0x811c9dc5;
const INITIAL_SLOTS = 1024;

export function hashStep(h: number, code: number): number {
  return Math.imul(h ^ code, 16777619);
}

export class StringCounts {
  /** Pairs (hash, key index + 1); index 0 marks an empty slot. */
  private slots = new Int32Array(2 * INITIAL_SLOTS);
  private mask = INITIAL_SLOTS - 1;
  private keyList: string[] = [];
  private countList: number[] = [];

  get size(): number {
    return this.keyList.length;
  }

  /** Counts key s[from, to). True when the key is new (then `lastKey()` is its string). */
  addRange(s: string, from: number, to: number): boolean {
    let h = HASH_START;
    for (let i = from; i < to; i++) h = hashStep(h, s.charCodeAt(i));
    const slots = this.slots;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const at = slots[2 * i + 1]! - 1;
      if (at < 0) {
        this.insert(i, h, s.slice(from, to));
        return true;
      }
      if (slots[2 * i] === h) {
        const k = this.keyList[at]!;
        if (k.length === to - from && s.startsWith(k, from)) {
          this.countList[at]!++;
          return false;
        }
      }
    }
  }

  /** Counts the key whose characters are the bytes[from, to), all ASCII (the caller checked), and whose hash is `h`. True when the key is new. */
  addHashedAsciiBytes(h: number, bytes: Uint8Array, from: number, to: number): boolean {
    const slots = this.slots;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const at = slots[2 * i + 1]! - 1;
      if (at < 0) {
        this.insert(i, h, Buffer.from(bytes.buffer, bytes.byteOffset + from, to - from).toString('latin1'));
        return true;
      }
      if (slots[2 * i] === h && sameAscii(this.keyList[at]!, bytes, from, to - from)) {
        this.countList[at]!++;
        return false;
      }
    }
  }

  /** Counts key s. True when the key is new. */
  add(s: string): boolean {
    let h = HASH_START;
    for (let i = 0; i < s.length; i++) h = hashStep(h, s.charCodeAt(i));
    const slots = this.slots;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const at = slots[2 * i + 1]! - 1;
      if (at < 0) {
        this.insert(i, h, s);
        return true;
      }
      if (slots[2 * i] === h && this.keyList[at] === s) {
        this.countList[at]!++;
        return false;
      }
    }
  }

  /** The key added last: after an add returned true, the new key. */
  lastKey(): string {
    return this.keyList[this.keyList.length - 1]!;
  }

  /** Keys and counts in first-seen order. */
  *[Symbol.iterator](): IterableIterator<[string, number]> {
    for (let i = 0; i < this.keyList.length; i++) yield [this.keyList[i]!, this.countList[i]!];
  }

  clear(): void {
    this.slots = new Int32Array(2 * INITIAL_SLOTS);
    this.mask = INITIAL_SLOTS - 1;
    this.keyList = [];
    this.countList = [];
  }

  private insert(slot: number, hash: number, key: string): void {
    this.keyList.push(key);
    this.countList.push(1);
    this.slots[2 * slot] = hash;
    this.slots[2 * slot + 1] = this.keyList.length;
    // At most half full, so probe runs stay short.
    if (this.keyList.length * 2 > this.mask + 1) this.rehash(2 * (this.mask + 1));
  }

  private rehash(size: number): void {
    const old = this.slots;
    const slots = new Int32Array(2 * size);
    const mask = size - 1;
    for (let j = 0; j < old.length; j += 2) {
      if (old[j + 1] === 0) continue;
      let i = old[j]! & mask;
      while (slots[2 * i + 1] !== 0) i = (i + 1) & mask;
      slots[2 * i] = old[j]!;
      slots[2 * i + 1] = old[j + 1]!;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

function sameAscii(key: string, bytes: Uint8Array, from: number, length: number): boolean {
  if (key.length !== length) return false;
  for (let j = 0; j < length; j++) if (key.charCodeAt(j) !== bytes[from + j]) return false;
  return true;
}
