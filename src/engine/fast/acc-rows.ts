import { NumberKind, type Acc } from '../aggregates.js';

/** Doubles per aggregate: n, v, c (as in Acc). */
const PER_AGG = 3;

/**
 * The accumulators of the groups reduce-by-key reads from lines
 * (fast/keyed-lines.ts), one row of doubles per KeyTextIndex entry: the row's
 * first double says whether the row holds the group's accumulators (0: yes;
 * 1: yes, and added to since they were last written back; NaN: no, its Acc
 * objects do), then n, v and c of each aggregate. Over thousands of groups a
 * line's update through the group object, its array of Acc objects and their
 * boxed doubles was about ten cache misses; a row is one or two.
 *
 * The update is addNumbers()'s, operation for operation, so the numbers are
 * the same bits. A row takes over a group's Acc values only when they are the
 * plain numbers it can hold (state restored from an older version may not be);
 * whoever reads or changes a group's Acc objects first has its row written
 * back (writeBack(), or release() to give the group back to its Acc objects).
 */
export class AccRows {
  private rows = new Float64Array(256);
  private readonly stride: number;

  constructor(private readonly kinds: Uint8Array) {
    this.stride = 1 + PER_AGG * kinds.length;
  }

  /** Entry e (new) takes over accs' values when it can; else it stays with them. */
  hold(e: number, accs: readonly Acc[]): void {
    const base = e * this.stride;
    if (base + this.stride > this.rows.length) {
      const grown = new Float64Array(Math.max(2 * this.rows.length, base + this.stride));
      grown.set(this.rows);
      this.rows = grown;
    }
    const rows = this.rows;
    const kinds = this.kinds;
    rows[base] = NaN;
    for (let i = 0; i < kinds.length; i++) {
      const acc = accs[i]!;
      const at = base + 1 + PER_AGG * i;
      if (typeof acc.n !== 'number') return;
      rows[at] = acc.n;
      const kind = kinds[i]!;
      if (kind === NumberKind.Count) continue;
      if (kind === NumberKind.Sum) {
        if (typeof acc.v !== 'number' || typeof acc.c !== 'number') return;
        rows[at + 1] = acc.v;
        rows[at + 2] = acc.c;
      } else if (typeof acc.v === 'number') rows[at + 1] = acc.v;
      else if (!(acc.v === null && acc.n === 0)) return;
    }
    rows[base] = 0;
  }

  /** Whether entry e's row holds its accumulators. */
  held(e: number): boolean {
    return this.rows[e * this.stride] === this.rows[e * this.stride];
  }

  /** addNumbers() on entry e's row (held). */
  add(e: number, numbers: Float64Array): void {
    const rows = this.rows;
    const kinds = this.kinds;
    const base = e * this.stride;
    rows[base] = 1;
    for (let i = 0, at = base + 1; i < kinds.length; i++, at += PER_AGG) {
      const kind = kinds[i]!;
      if (kind === NumberKind.Count) {
        rows[at]++;
        continue;
      }
      const x = numbers[i]!;
      if (x !== x) continue;
      const v = rows[at + 1]!;
      if (kind === NumberKind.Sum) {
        // addCompensated()
        const t = v + x;
        if (Number.isFinite(t)) rows[at + 2] += Math.abs(v) >= Math.abs(x) ? v - t + x : x - t + v;
        rows[at + 1] = t;
      } else if (rows[at] === 0 || (kind === NumberKind.Min ? x < v : x > v)) rows[at + 1] = x;
      rows[at]++;
    }
  }

  /** Writes entry e's row (held) into accs; whether it was added to since the last write. */
  writeBack(e: number, accs: Acc[]): boolean {
    const rows = this.rows;
    const kinds = this.kinds;
    const base = e * this.stride;
    for (let i = 0, at = base + 1; i < kinds.length; i++, at += PER_AGG) {
      const acc = accs[i]!;
      const n = rows[at]!;
      acc.n = n;
      const kind = kinds[i]!;
      if (kind === NumberKind.Sum) {
        acc.v = rows[at + 1];
        acc.c = rows[at + 2];
      } else if (kind !== NumberKind.Count && n > 0) acc.v = rows[at + 1];
    }
    const changed = rows[base] === 1;
    rows[base] = 0;
    return changed;
  }

  /** writeBack(), and entry e's accumulators are its Acc objects from now on. */
  release(e: number, accs: Acc[]): boolean {
    const changed = this.writeBack(e, accs);
    this.rows[e * this.stride] = NaN;
    return changed;
  }
}
