import { NumberKind, type Acc } from '../aggregates.js';

/**
 * The accumulators of the groups reduce-by-key reads from lines
 * (fast/keyed-lines.ts), as a row of doubles in their KeyTextIndex record:
 * first whether the row holds the group's accumulators (0: yes; 1: yes, and
 * added to since they were last written back; NaN: no, its Acc objects do),
 * then per aggregate n (count), n and v (min, max) or n, v and c (sum, avg),
 * as in Acc. Over thousands of groups a line's update through the group
 * object, its array of Acc objects and their boxed doubles was about ten
 * cache misses; the row is in the record the lookup has just read.
 *
 * The update is addNumbers()'s, operation for operation, so the numbers are
 * the same bits. A row takes over a group's Acc values only when they are the
 * plain numbers it can hold (state restored from an older version may not be);
 * whoever reads or changes a group's Acc objects first has its row written
 * back (writeBack(), or release() to give the group back to its Acc objects).
 */
export class AccRows {
  /** Doubles per row. */
  readonly width: number;

  constructor(private readonly kinds: Uint8Array) {
    let width = 1;
    for (const kind of kinds) width += doublesOf(kind);
    this.width = width;
  }

  /** The row at `at` (new) takes over accs' values when it can; else it stays with them. */
  hold(rows: Float64Array, at: number, accs: readonly Acc[]): void {
    const kinds = this.kinds;
    rows[at] = NaN;
    for (let i = 0, p = at + 1; i < kinds.length; p += doublesOf(kinds[i]!), i++) {
      const acc = accs[i]!;
      if (typeof acc.n !== 'number') return;
      rows[p] = acc.n;
      const kind = kinds[i]!;
      if (kind === NumberKind.Count) continue;
      if (kind === NumberKind.Sum) {
        if (typeof acc.v !== 'number' || typeof acc.c !== 'number') return;
        rows[p + 1] = acc.v;
        rows[p + 2] = acc.c;
      } else if (typeof acc.v === 'number') rows[p + 1] = acc.v;
      else if (!(acc.v === null && acc.n === 0)) return;
    }
    rows[at] = 0;
  }

  /** Whether the row at `at` holds its group's accumulators. */
  held(rows: Float64Array, at: number): boolean {
    return rows[at] === rows[at];
  }

  /** addNumbers() on the row at `at` (held). */
  add(rows: Float64Array, at: number, numbers: Float64Array): void {
    const kinds = this.kinds;
    rows[at] = 1;
    for (let i = 0, p = at + 1; i < kinds.length; i++) {
      const kind = kinds[i]!;
      if (kind === NumberKind.Count) {
        rows[p++]++;
        continue;
      }
      const x = numbers[i]!;
      if (x === x) {
        const v = rows[p + 1]!;
        if (kind === NumberKind.Sum) {
          // addCompensated()
          const t = v + x;
          if (Number.isFinite(t)) rows[p + 2] += Math.abs(v) >= Math.abs(x) ? v - t + x : x - t + v;
          rows[p + 1] = t;
        } else if (rows[p] === 0 || (kind === NumberKind.Min ? x < v : x > v)) rows[p + 1] = x;
        rows[p]++;
      }
      p += kind === NumberKind.Sum ? 3 : 2;
    }
  }

  /** Writes the row at `at` (held) into accs; whether it was added to since the last write. */
  writeBack(rows: Float64Array, at: number, accs: Acc[]): boolean {
    const kinds = this.kinds;
    for (let i = 0, p = at + 1; i < kinds.length; p += doublesOf(kinds[i]!), i++) {
      const acc = accs[i]!;
      const n = rows[p]!;
      acc.n = small(n);
      const kind = kinds[i]!;
      if (kind === NumberKind.Sum) {
        acc.v = small(rows[p + 1]!);
        acc.c = small(rows[p + 2]!);
      } else if (kind !== NumberKind.Count && n > 0) acc.v = small(rows[p + 1]!);
    }
    const changed = rows[at] === 1;
    rows[at] = 0;
    return changed;
  }

  /**
   * The row at `at` (held) as PartialPacker's columns: per aggregate n, v, c
   * from out[o] on (v 0 for a count, c 0 for a min or max, as their Acc
   * objects would give them).
   */
  toColumns(rows: Float64Array, at: number, out: Float64Array, o: number): void {
    const kinds = this.kinds;
    for (let i = 0, p = at + 1; i < kinds.length; p += doublesOf(kinds[i]!), i++, o += 3) {
      const kind = kinds[i]!;
      out[o] = rows[p]!;
      out[o + 1] = kind === NumberKind.Count ? 0 : rows[p + 1]!;
      out[o + 2] = kind === NumberKind.Sum ? rows[p + 2]! : 0;
    }
  }

  /** writeBack(), and the group's accumulators are its Acc objects from now on. */
  release(rows: Float64Array, at: number, accs: Acc[]): boolean {
    const changed = this.writeBack(rows, at, accs);
    rows[at] = NaN;
    return changed;
  }
}

/**
 * x, as a small integer when it is one. Read from a Float64Array outside
 * optimized code, an integer is a heap number; stored into an Acc whose field
 * holds small integers (as init() and addNumbers() leave them), it made V8
 * generalize the Acc's hidden class and re-optimize writeBack() over and over.
 */
function small(x: number): number {
  const i = x | 0;
  return i === x && (i !== 0 || 1 / x > 0) ? i : x;
}

/** Doubles of an aggregate in a row. */
function doublesOf(kind: number): number {
  return kind === NumberKind.Count ? 1 : kind === NumberKind.Sum ? 3 : 2;
}
