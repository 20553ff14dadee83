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
      const rows = new AccRows(kinds);
      rows.hold(3, accs);
      assert.equal(rows.held(3), true);
      let changed = false;
      for (const [xs, op] of steps) {
        const numbers = Float64Array.from(which.map((i) => xs[i]!));
        addNumbers(kinds, expected, numbers);
        if (!rows.held(3)) {
          addNumbers(kinds, accs, numbers);
          rows.hold(3, accs);
          continue;
        }
        rows.add(3, numbers);
        changed = true;
        if (op === 0) {
          assert.equal(rows.writeBack(3, accs), changed);
          changed = false;
          assert.deepEqual(accs, expected);
        } else if (op === 1) {
          rows.release(3, accs);
          changed = false;
          assert.equal(rows.held(3), false);
        }
      }
      if (rows.held(3)) rows.writeBack(3, accs);
      assert.deepEqual(accs, expected);
      accs.forEach((acc, i) => assert.ok(Object.is(acc.v, expected[i]!.v) && Object.is(acc.c, expected[i]!.c)));
    }),
    { numRuns: cases(300) },
  );
});

test('a group whose Acc values a row cannot hold stays with its Acc objects', () => {
  const kinds = numberKinds([buildAggregate({ kind: 'sum', field: 'x' })])!;
  const rows = new AccRows(kinds);
  const old: Acc[] = [{ n: 1, v: 2 }]; // saved before sums had a compensation
  rows.hold(0, old);
  assert.equal(rows.held(0), false);
  rows.hold(1, [{ n: 0, c: 0, v: 0 }]);
  assert.equal(rows.held(1), true);
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
  fc.assert(
    fc.property(fc.array(line, { minLength: 1, maxLength: 30, size: 'medium' }), fc.array(fc.constantFrom(0, 1, 1, 1, 1, 1, 1, 2), { minLength: 1, maxLength: 9 }), fc.constantFrom<'batch' | 'update' | 'complete'>('batch', 'update', 'complete', 'complete'), fc.uniqueArray(fc.constantFrom(...specs), { minLength: 1, maxLength: 3 }), (lines, how, mode, aggregates) => {
      const fast = withFastPaths(true, () => feed(lines, how, mode, aggregates));
      const general = withFastPaths(false, () => feed(lines, how, mode, aggregates));
      assert.deepEqual(fast, general);
    }),
    { numRuns: cases(300) },
  );
});
