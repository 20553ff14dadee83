import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { addNumbers, buildAggregate, numberKinds, type Acc, type AggregateSpec } from '../../src/engine/aggregates.js';
import { AccRows } from '../../src/engine/fast/acc-rows.js';
import { VirtualClock } from '../../src/engine/clock.js';
import { ErrorPolicy } from '../../src/engine/error-policy.js';
import { ReduceByKeyOperator } from '../../src/engine/operators/reduce-by-key.js';
import { PositionTracker, type Downstream } from '../../src/engine/stream.js';
import { withFastPaths } from '../helpers/fast-paths.js';

// The accumulator rows of reduce-by-key's keyed lines (fast/acc-rows.ts) must
// give the very Acc values addNumbers() gives on Acc objects (the same bits:
// -0, compensated sums, overflow), and the operator must write them back
// whenever its groups are read: emitted rows and snapshots equal those of
// the general path, whichever path each line took.

const cases = (n: number) => Math.max(1, Math.round(n * Number(process.env['SLUICE_DIFF_CASES'] ?? 1)));

const specs: AggregateSpec[] = [{ kind: 'count' }, { kind: 'sum', field: 'x' }, { kind: 'avg', field: 'x' }, { kind: 'min', field: 'x' }, { kind: 'max', field: 'x' }];
const number = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -1000, max: 1000 }) },
  { weight: 2, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, -0, 0, 1e308, -1e308, 1e16, 0.1, 5e-324) },
);

test('an accumulator row adds numbers exactly as addNumbers() on Acc objects, through hold, write-back and release', () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(0, 1, 2, 3, 4), { minLength: 1, maxLength: 5 }), fc.array(fc.tuple(fc.array(number, { minLength: 5, maxLength: 5 }), fc.nat(9)), { maxLength: 60 }), (which, steps) => {
      const aggs = which.map((i) => buildAggregate(specs[i]!));
      const kinds = numberKinds(aggs)!;
      const expected = aggs.map((a) => a.init());
      const accs = aggs.map((a) => a.init());
      const acc = new AccRows(kinds);
      // A row among others: each must stay within its width.
      const rows = new Float64Array(3 * acc.width).fill(7);
      const at = acc.width;
      acc.hold(rows, at, accs);
      assert.equal(acc.held(rows, at), true);
      let changed = false;
      for (const [xs, op] of steps) {
        const numbers = Float64Array.from(which.map((i) => xs[i]!));
        addNumbers(kinds, expected, numbers);
        if (!acc.held(rows, at)) {
          addNumbers(kinds, accs, numbers);
          acc.hold(rows, at, accs);
          continue;
        }
        acc.add(rows, at, numbers);
        changed = true;
        if (op === 0) {
          assert.equal(acc.writeBack(rows, at, accs), changed);
          changed = false;
          assert.deepEqual(accs, expected);
        } else if (op === 1) {
          acc.release(rows, at, accs);
          changed = false;
          assert.equal(acc.held(rows, at), false);
        }
      }
      if (acc.held(rows, at)) acc.writeBack(rows, at, accs);
      assert.deepEqual(accs, expected);
      accs.forEach((a, i) => assert.ok(Object.is(a.v, expected[i]!.v) && Object.is(a.c, expected[i]!.c)));
      for (let i = 0; i < acc.width; i++) assert.equal(rows[i], 7);
      for (let i = 2 * acc.width; i < rows.length; i++) assert.equal(rows[i], 7);
    }),
    { numRuns: cases(300) },
  );
});

test('a group whose Acc values a row cannot hold stays with its Acc objects', () => {
  const acc = new AccRows(numberKinds([buildAggregate({ kind: 'sum', field: 'x' })])!);
  const rows = new Float64Array(2 * acc.width);
  const old: Acc[] = [{ n: 1, v: 2 }]; // saved before sums had a compensation
  acc.hold(rows, 0, old);
  assert.equal(acc.held(rows, 0), false);
  acc.hold(rows, acc.width, [{ n: 0, c: 0, v: 0 }]);
  assert.equal(acc.held(rows, acc.width), true);
});

/** A reduce-by-key operator fed lines, each by takeLine() (fast) or parsed into data(); what it emits at each batch, and its snapshot at the end. */
function feed(lines: string[], how: number[], mode: 'batch' | 'update' | 'complete', aggregates: AggregateSpec[]): string[] {
  const out: string[] = [];
  const next: Downstream = { data: (r, raw) => void out.push(raw ?? JSON.stringify(r)), control: () => undefined };
  const position = new PositionTracker();
  const warn = (line: string) => out.push(line);
  const errors = new ErrorPolicy('reduce-by-key', { kind: 'skip' }, position, warn);
  const op = new ReduceByKeyOperator({ key: { fields: ['k'] }, aggregates, mode }, next, { command: 'reduce-by-key', clock: new VirtualClock(0), position, errors, warn, maxDepth: 100 });
  lines.forEach((line, i) => {
    const h = how[i % how.length]!;
    if (h === 0 || !op.takeLine(line)) op.data(JSON.parse(line), line);
    if (h === 2) out.push(JSON.stringify(op.snapshot()));
    // Positions that repeat: complete mode then writes its table only if a group changed (anyChanged()).
    if (i % 3 === 2) void op.control({ type: 'batch', id: i, start: i * 1000, end: i * 1000 + 1000, positions: { 'in.ndjson': { offset: Math.floor(i / 7) } } });
  });
  out.push(JSON.stringify(op.snapshot()));
  return out;
}

test('reduce-by-key emits and snapshots the same whether a line took the keyed-line path or the general one', () => {
  const k = fc.constantFrom('a', 'b', 'c', 1, 2);
  const x = fc.oneof(number.filter((v) => Number.isFinite(v)), fc.constant(null));
  const line = fc.tuple(k, x, fc.option(fc.constantFrom({ start: '2026-01-01T00:00:00.000Z', end: '2026-01-01T00:01:00.000Z' }, { start: '2026-01-01T00:01:00.000Z', end: '2026-01-01T00:02:00.000Z' }), { nil: undefined })).map(([key, v, w]) => JSON.stringify({ k: key, x: v, window: w }));
  // Not --count alone: its count lane keeps one "changed" flag for all its keys in complete mode, which a snapshot shows.
  const aggregates = fc.uniqueArray(fc.constantFrom(...specs), { minLength: 1, maxLength: 3 }).filter((a) => a.some((s) => s.kind !== 'count'));
  fc.assert(
    fc.property(fc.array(line, { minLength: 1, maxLength: 30, size: 'medium' }), fc.array(fc.constantFrom(0, 1, 1, 1, 1, 1, 1, 2), { minLength: 1, maxLength: 9 }), fc.constantFrom<'batch' | 'update' | 'complete'>('batch', 'update', 'complete', 'complete'), aggregates, (lines, how, mode, aggs) => {
      const fast = withFastPaths(true, () => feed(lines, how, mode, aggs));
      const general = withFastPaths(false, () => feed(lines, how, mode, aggs));
      assert.deepEqual(fast, general);
    }),
    { numRuns: cases(300) },
  );
});
