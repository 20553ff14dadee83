import type { Acc, Aggregate, AggregateSpec } from '../aggregates.js';
import type { AccRows } from '../fast/acc-rows.js';

/** One (window, key)'s partial aggregates, with the sequence numbers of its first and last record. */
export interface PartialGroup {
  id: string;
  key: unknown[];
  accs: Acc[];
  first: number;
  last: number;
  /** Where its accumulators' row is in the packer's RowSource (absent or -1: none). */
  row?: number;
}

/**
 * Rows of doubles that hold the accumulators of some groups (AccRows), each
 * followed by the sequence number of the group's last record.
 */
export interface RowSource {
  accRows: AccRows;
  rows: Float64Array;
}

/**
 * One window's partial groups as a worker posts them: columns instead of an
 * object per group. Cloning (and above all un-cloning, on the stage's thread,
 * one message after another) tens of thousands of small objects with their
 * arrays cost more than the merge itself.
 */
export interface PackedGroups {
  ids: string[];
  /** The groups' key values, one after another (the same number per group). */
  keys: unknown[];
  /** Per group: first, last, then per aggregate n, v, c (see Column). */
  numbers: Float64Array;
  /** Per group, the v of each first/last aggregate. */
  values: unknown[];
}

/** How an aggregate's accumulator travels: v as a number (count, sum, avg), a number or null before any value (min, max), any value (first, last). */
const enum Column {
  Number,
  NumberOrNull,
  Value,
}

export class PartialPacker {
  private readonly columns: Column[];
  private readonly width: number;
  private readonly valueColumns: number;

  constructor(
    specs: readonly AggregateSpec[],
    private readonly aggs: readonly Aggregate[],
  ) {
    this.columns = specs.map((a) => (a.kind === 'min' || a.kind === 'max' ? Column.NumberOrNull : a.kind === 'first' || a.kind === 'last' ? Column.Value : Column.Number));
    this.width = 2 + 3 * specs.length;
    this.valueColumns = this.columns.filter((c) => c === Column.Value).length;
  }

  /** The groups as columns; a group with a row in `source` has its accumulators taken from there when the row holds them, and its last record is the later of the two. */
  pack(groups: readonly PartialGroup[], source?: RowSource): PackedGroups {
    const numbers = new Float64Array(groups.length * this.width);
    const ids: string[] = new Array(groups.length);
    const keys: unknown[] = [];
    const values: unknown[] = [];
    const columns = this.columns;
    let at = 0;
    for (let g = 0; g < groups.length; g++) {
      const group = groups[g]!;
      ids[g] = group.id;
      for (const k of group.key) keys.push(k);
      numbers[at++] = group.first;
      const row = source !== undefined && group.row !== undefined ? group.row : -1;
      if (row >= 0) {
        const { accRows, rows } = source!;
        numbers[at++] = Math.max(group.last, rows[row + accRows.width]!);
        if (accRows.held(rows, row)) {
          accRows.toColumns(rows, row, numbers, at);
          at += 3 * columns.length;
          continue;
        }
      } else numbers[at++] = group.last;
      for (let i = 0; i < columns.length; i++) {
        const acc = group.accs[i]!;
        numbers[at++] = acc.n;
        if (columns[i] === Column.Value) {
          values.push(acc.v);
          at++;
        } else numbers[at++] = acc.v === null ? NaN : (acc.v as number);
        numbers[at++] = acc.c ?? 0;
      }
    }
    return { ids, keys, numbers, values };
  }

  /**
   * Group g of the columns again, each accumulator of its aggregate's own
   * shape (init()): written into `into` (a group this packer made,
   * its key and accumulators overwritten) or a new one.
   */
  unpackOne(p: PackedGroups, g: number, into?: PartialGroup): PartialGroup {
    const n = p.numbers;
    const columns = this.columns;
    const keyCount = p.keys.length / p.ids.length;
    let at = g * this.width;
    // Only first and last travel in `values`, one per group each (their groups never have their numbers in rows: see pack()).
    let value = g * this.valueColumns;
    const group = into ?? { id: '', key: new Array<unknown>(keyCount), accs: this.aggs.map((a) => a.init()), first: 0, last: 0 };
    group.id = p.ids[g]!;
    for (let k = 0; k < keyCount; k++) group.key[k] = p.keys[g * keyCount + k];
    group.first = n[at]!;
    group.last = n[at + 1]!;
    at += 2;
    for (let i = 0; i < columns.length; i++) {
      const acc = group.accs[i]!;
      acc.n = n[at]!;
      const column = columns[i];
      if (column === Column.Value) acc.v = p.values[value++];
      else acc.v = column === Column.NumberOrNull && acc.n === 0 ? null : n[at + 1]!;
      if (acc.c !== undefined) acc.c = n[at + 2]!;
      at += 3;
    }
    return group;
  }
}
