import { compileExpression } from './expression.js';
import { compilePath } from './codec.js';
import { detached } from './detached.js';

/**
 * One aggregate column of reduce-by-key. Accumulators are small mutable objects
 * so add() allocates nothing on the hot path. add() returns an error message for a
 * value it cannot take (the record is then bad under --on-error), else undefined.
 */
export interface Aggregate {
  /** Output field name. */
  readonly name: string;
  init(): Acc;
  /** Checks a record before any aggregate is updated, so a bad record changes nothing. */
  check?(record: unknown): string | undefined;
  add(acc: Acc, record: unknown): string | undefined;
  /**
   * How addNumbers() updates it from a number read without a record
   * (fast/keyed-lines.ts): count, sum and avg, min, max; absent for the others.
   */
  readonly numberKind?: NumberKind;
  /** Merges b into a (used for sliding windows, parallel workers and restored state). */
  merge(a: Acc, b: Acc): void;
  result(acc: Acc): unknown;
}

export interface Acc {
  n: number;
  v: unknown;
  /** sum/avg: the running compensation of Neumaier summation (absent in state saved before it existed). */
  c?: number;
}

export type AggregateSpec = { kind: 'count' } | { kind: 'sum' | 'min' | 'max' | 'avg' | 'first' | 'last' | 'collect'; field: string } | { kind: 'reduce'; expr: string; init?: { value: unknown }; name?: string };

function numeric(name: string, field: string, value: unknown): number | string | undefined {
  if (value === undefined || value === null) return undefined;
  // JSON.parse turns 1e400 into Infinity; one such value would make the whole aggregate infinite.
  if (typeof value === 'number') return Number.isFinite(value) ? value : `${name}: field '${field}' is beyond the range of a double (read as ${value})`;
  const hint = typeof value === 'string' && Number.isFinite(Number(value)) && value.trim() !== '' ? `; to read it as a number, convert it upstream: sluice map '({...r, ${/^[A-Za-z_$][\w$]*$/.test(field) ? field : JSON.stringify(field)}: Number(r${/^[A-Za-z_$][\w$]*$/.test(field) ? `.${field}` : `[${JSON.stringify(field)}]`})})'` : '';
  return `${name}: field '${field}' is ${JSON.stringify(value)}, not a number${hint}`;
}

/** Reads a numeric field: a number, undefined when missing or null, or an error message. */
function numericInput(kind: string, field: string) {
  const get = compilePath(field);
  const name = `${kind}_${field}`;
  const read = (record: unknown) => numeric(name, field, get(record));
  const check = (record: unknown) => {
    const x = read(record);
    return typeof x === 'string' ? x : undefined;
  };
  return { name, read, check };
}

export const enum NumberKind {
  Count,
  Sum,
  Min,
  Max,
}

/**
 * Adds one line's numbers (NaN: the field was missing or null) to a group's
 * accumulators, as add() of its record would, for aggregates that all have a
 * numberKind: one loop over the kinds instead of a call per aggregate, which
 * was a megamorphic call per number.
 */
export function addNumbers(kinds: Uint8Array, accs: Acc[], numbers: Float64Array): void {
  for (let i = 0; i < kinds.length; i++) {
    const acc = accs[i]!;
    const kind = kinds[i]!;
    if (kind === NumberKind.Count) {
      acc.n++;
      continue;
    }
    const x = numbers[i]!;
    if (x !== x) continue;
    if (kind === NumberKind.Sum) addCompensated(acc, x);
    else if (acc.n === 0 || (kind === NumberKind.Min ? x < (acc.v as number) : x > (acc.v as number))) acc.v = x;
    acc.n++;
  }
}

/** The numberKind of each aggregate, when every one has one. */
export function numberKinds(aggs: readonly Aggregate[]): Uint8Array | undefined {
  if (!aggs.every((a) => a.numberKind !== undefined)) return undefined;
  return Uint8Array.from(aggs, (a) => a.numberKind!);
}

export function buildAggregate(spec: AggregateSpec): Aggregate {
  switch (spec.kind) {
    case 'count':
      return {
        name: 'count',
        init: () => ({ n: 0, v: 0 }),
        add(acc) {
          acc.n++;
          return undefined;
        },
        numberKind: NumberKind.Count,
        merge(a, b) {
          a.n += b.n;
        },
        result: (acc) => acc.n,
      };
    case 'sum':
    case 'avg': {
      const input = numericInput(spec.kind, spec.field);
      const addTo = (acc: Acc, x: number) => {
        addCompensated(acc, x);
        acc.n++;
      };
      return {
        name: input.name,
        // Its own key order gives sum/avg accumulators their own hidden class, whose numbers are stored unboxed (v is null or an array elsewhere).
        init: () => ({ n: 0, c: 0, v: 0 }),
        check: input.check,
        add(acc, record) {
          const x = input.read(record);
          if (typeof x !== 'number') return x;
          addTo(acc, x);
          return undefined;
        },
        numberKind: NumberKind.Sum,
        merge(a, b) {
          addCompensated(a, b.v as number);
          addCompensated(a, b.c ?? 0);
          a.n += b.n;
        },
        result(acc) {
          // SQL: the sum or average of no values (all null or missing) is null.
          if (acc.n === 0) return null;
          const s = acc.v as number;
          const total = Number.isFinite(s) ? s + (acc.c ?? 0) : s;
          return spec.kind === 'sum' ? total : total / acc.n;
        },
      };
    }
    case 'min':
    case 'max': {
      const input = numericInput(spec.kind, spec.field);
      const better = spec.kind === 'min' ? (a: number, b: number) => a < b : (a: number, b: number) => a > b;
      const addTo = (acc: Acc, x: number) => {
        if (acc.n === 0 || better(x, acc.v as number)) acc.v = x;
        acc.n++;
      };
      return {
        name: input.name,
        init: () => ({ n: 0, v: null }),
        check: input.check,
        add(acc, record) {
          const x = input.read(record);
          if (typeof x !== 'number') return x;
          addTo(acc, x);
          return undefined;
        },
        numberKind: spec.kind === 'min' ? NumberKind.Min : NumberKind.Max,
        merge(a, b) {
          if (b.n > 0 && (a.n === 0 || better(b.v as number, a.v as number))) a.v = b.v;
          a.n += b.n;
        },
        result: (acc) => acc.v,
      };
    }
    case 'first':
    case 'last': {
      const get = compilePath(spec.field);
      const first = spec.kind === 'first';
      return {
        name: `${spec.kind}_${spec.field}`,
        init: () => ({ n: 0, v: null }),
        add(acc, record) {
          const x = get(record);
          // A copy: the value may be a slice of the input line (detached.ts).
          if (!first || acc.n === 0) acc.v = x === undefined ? null : detached(x);
          acc.n++;
          return undefined;
        },
        merge(a, b) {
          if (b.n > 0 && (!first || a.n === 0)) a.v = b.v;
          a.n += b.n;
        },
        result: (acc) => acc.v,
      };
    }
    case 'collect': {
      const get = compilePath(spec.field);
      return {
        name: `collect_${spec.field}`,
        init: () => ({ n: 0, v: [] }),
        add(acc, record) {
          const x = get(record);
          (acc.v as unknown[]).push(x === undefined ? null : detached(x));
          acc.n++;
          return undefined;
        },
        merge(a, b) {
          (a.v as unknown[]).push(...(b.v as unknown[]));
          a.n += b.n;
        },
        result: (acc) => acc.v,
      };
    }
    case 'reduce': {
      // Spark's reduceByKey(func): `a` is the running value, `b` the next record.
      const fn = compileExpression<(a: unknown, b: unknown) => unknown>(spec.expr, ['a', 'b'], 'reduce-by-key --reduce');
      const name = spec.name ?? 'reduce';
      if (spec.init) return foldFrom(name, spec.expr, spec.init.value, fn);
      return {
        name,
        init: () => ({ n: 0, v: undefined }),
        add(acc, record) {
          try {
            acc.v = acc.n === 0 ? record : fn(acc.v, record);
          } catch (err) {
            return `--reduce '${spec.expr}' threw: ${(err as Error)?.message ?? String(err)}`;
          }
          acc.n++;
          return undefined;
        },
        merge(a, b) {
          if (b.n === 0) return;
          a.v = a.n === 0 ? b.v : fn(a.v, b.v);
          a.n += b.n;
        },
        result: (acc) => (acc.v === undefined ? null : acc.v),
      };
    }
  }
}

/**
 * Spark's fold / aggregateByKey(zero)(seqOp): `a` starts as a copy of the
 * declared initial value (each key its own copy, so an expression may push
 * into an array), `b` is each record in turn.
 */
function foldFrom(name: string, expr: string, init: unknown, fn: (a: unknown, b: unknown) => unknown): Aggregate {
  return {
    name,
    init: () => ({ n: 0, v: structuredClone(init) }),
    add(acc, record) {
      try {
        acc.v = fn(acc.v, record);
      } catch (err) {
        return `--reduce '${expr}' threw: ${(err as Error)?.message ?? String(err)}`;
      }
      acc.n++;
      return undefined;
    },
    merge() {
      // Two folds cannot be combined without a combining function (Spark's combOp), which --reduce does not declare.
      throw new Error(`--reduce '${expr}' with --init cannot merge partial results`);
    },
    result: (acc) => (acc.v === undefined ? null : acc.v),
  };
}

/**
 * Neumaier's compensated summation: acc.v is the running sum, acc.c the low-order
 * bits it lost, so 1e16 + 1 + 1 - 1e16 is 2 (naively 0). Once the sum overflows,
 * the compensation is meaningless and result() uses the infinite sum alone.
 */
function addCompensated(acc: Acc, x: number): void {
  const s = acc.v as number;
  const t = s + x;
  if (Number.isFinite(t)) acc.c = (acc.c ?? 0) + (Math.abs(s) >= Math.abs(x) ? s - t + x : x - t + s);
  acc.v = t;
}

/** Integers beyond ±(2^53-1): JSON numbers that large were already rounded when read, or lose digits as results. */
export function unsafeIntegerFields(row: Record<string, unknown>, names: string[]): string[] {
  return names.filter((n) => typeof row[n] === 'number' && Number.isInteger(row[n]) && !Number.isSafeInteger(row[n]));
}

/**
 * The one-time warning for a row whose key columns or aggregates hold integers
 * beyond 2^53-1, or undefined. Keys that large are merged silently by any reader
 * of JSON numbers as doubles (9007199254740993 reads as 9007199254740992), so the
 * warning names the key field and says to write such ids as strings.
 */
export function unsafeIntegerWarning(row: Record<string, unknown>, keyNames: string[], aggregateNames: string[]): string | undefined {
  const keys = unsafeIntegerFields(row, keyNames);
  if (keys.length > 0) {
    const n = keys[0]!;
    return `key field '${n}' holds ${String(row[n])}, an integer beyond 2^53-1: JSON numbers that large are rounded when read, so distinct keys may have been merged; write such ids as strings (warned once)`;
  }
  const aggs = unsafeIntegerFields(row, aggregateNames);
  if (aggs.length > 0) return `aggregate ${aggs.join(', ')} for key ${JSON.stringify(keyNames.map((k) => row[k] ?? null))} is an integer beyond 2^53-1: its last digits may be wrong (warned once)`;
  return undefined;
}

/** Non-finite results (overflowed sums, 1e400 inputs) cannot be written as JSON numbers. */
export function nonFiniteFields(row: Record<string, unknown>, names: string[]): string[] {
  return names.filter((n) => typeof row[n] === 'number' && !Number.isFinite(row[n] as number));
}
