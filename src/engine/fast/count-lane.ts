import type { AggregateSpec } from '../aggregates.js';
import type { KeySpec } from '../grouping.js';

/**
 * The count-only lane of reduce-by-key: `reduce-by-key FIELD --count` over
 * records without `window` whose key is a string. Such a record costs one Map
 * lookup and one store into a flat Map<string, number>, instead of a window
 * table lookup, a key array, a group object and an accumulator. The operator
 * moves the lane's counts into its ordinary groups ("spills") whenever
 * anything else needs them (another kind of record for the unwindowed table,
 * update/append output, a snapshot), so every result, the row order and the
 * state budget stay exactly what the general path gives.
 */
export class CountLane {
  /** Key string to count, in first-seen order (the order rows are emitted in). */
  readonly counts = new Map<string, number>();
  /** A record was counted since the lane's rows were last emitted. */
  changed = false;

  private constructor(readonly field: string) {}

  /** A lane when the operator's key and aggregates allow one: one plain top-level key field, --count alone. */
  static for(key: KeySpec, aggregates: readonly AggregateSpec[]): CountLane | undefined {
    if (key.expr !== undefined || key.fields.length !== 1) return undefined;
    if (aggregates.length !== 1 || aggregates[0]!.kind !== 'count') return undefined;
    const field = key.fields[0]!;
    // A dotted path is nested; `window` is read as the record's window; `count`
    // would collide with the aggregate column; __proto__ is special to objects.
    if (field === '' || field.includes('.') || field === 'window' || field === 'count' || field === '__proto__') return undefined;
    return new CountLane(field);
  }

  /**
   * The record's key when the lane may count it: an object (not an array)
   * without an own `window`, whose key field is a string that groupId() would
   * use as it is (not starting with NUL). Else undefined: the general path.
   */
  keyOf(record: unknown): string | undefined {
    if (typeof record !== 'object' || record === null || Array.isArray(record)) return undefined;
    if (Object.hasOwn(record, 'window')) return undefined;
    const k = (record as Record<string, unknown>)[this.field];
    // No property of Object.prototype is a string, so a string here is an own field.
    if (typeof k !== 'string' || (k.length > 0 && k.charCodeAt(0) === 0)) return undefined;
    return k;
  }

  /** Text of the output rows `{"window":…,"FIELD":k,"count":n}` up to the key: exactly what JSON.stringify of the row gives. */
  rowPrefix(label: { start: string; end: string }): string {
    return `{"window":${JSON.stringify({ start: label.start, end: label.end })},${JSON.stringify(this.field)}:`;
  }

  clear(): void {
    this.counts.clear();
    this.changed = false;
  }
}
