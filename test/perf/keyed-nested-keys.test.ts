import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { AggregateSpec } from '../../src/engine/aggregates.js';
import type { StageContext } from '../../src/engine/context.js';
import type { NdjsonWriter } from '../../src/engine/ndjson-writer.js';
import { ReduceByKeyOperator, type OutputMode } from '../../src/engine/operators/reduce-by-key.js';
import { WindowOperator } from '../../src/engine/operators/window.js';
import { PipeBoundary } from '../../src/engine/pipe-boundary.js';
import type { Downstream } from '../../src/engine/stream.js';
import { withFastPaths } from '../helpers/fast-paths.js';
import { chunks, sourceOver, stageOver } from '../helpers/stage-over.js';
import { boundedStream, STREAM_EPOCH } from '../helpers/stream.js';

// reduce-by-key with a dotted key or aggregate field (`customer.tier`,
// `--sum customer.score`) reads it from the text of the top-level field
// its layout captures (fast/keyed-lines.ts, fast/member-path.ts). Whatever
// `customer` holds (missing, not an object, a tier that is a number, null,
// an object, written with escapes or twice, a score that is no number),
// and however the input is cut into reads, the stage must print and report
// exactly what SLUICE_FAST=0 does: reading a pipe, and under `sluice run`
// after a window (whose layouts hand the fields over).

const cases = (n: number) => Math.max(1, Math.round(n * Number(process.env['SLUICE_DIFF_CASES'] ?? 1)));
const T = STREAM_EPOCH;

const tier = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('"gold"', '"silver"', '"none"', '"é"', '"a\\"b"') },
  { weight: 2, arbitrary: fc.constantFrom('"\\u0067old"', '1', '2.0', '-0', '1e400', 'null', 'true', '{"x":1}', '[1]', '"12345678901234"') },
);
const score = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: -99, max: 999 }).map(String) }, { weight: 1, arbitrary: fc.constantFrom('1.5', 'null', '"7"', 'true', '1e400', '{"a":1}') });
/** `customer` as it usually is (its members in any order, some missing), or as it should not be. */
const customer = fc.oneof(
  {
    weight: 12,
    arbitrary: fc
      .tuple(fc.shuffledSubarray(['id', 'tier', 'score']), fc.nat(99), tier, score)
      .map(([members, id, t, s]) => `{${members.map((m) => `"${m}":${m === 'id' ? id : m === 'tier' ? t : s}`).join(',')}}`),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '"gold"',
      '5',
      'null',
      '["gold"]',
      '{}',
      '{"tier":"silver","tier":"gold"}',
      '{"ti\\u0065r":"gold","score":1}',
      '{"id": 1, "tier": "gold"}',
      '{"tier":{"a":{"b":1}}}',
      '{"tier":"gold","x":{"tier":"none"}}',
    ),
  },
  { weight: 1, arbitrary: fc.constant(undefined) },
);
const status = fc.constantFrom('200', '404', '"x"', 'null');
const layouts = [
  ['ts', 'order', 'customer', 'status', 'price'],
  ['customer', 'ts', 'status', 'price'],
  ['status', 'price', 'customer', 'ts'],
];
const odd = fc.constantFrom('not json', '', '[1]', '"x"', '{"customer":{"tier":"gold"},"customer":{"tier":"none"}}', '{"customer":{"tier":"gold"}}\r', '{"customer":{"tier":"gold"},}');
const lineAt = (i: number) =>
  fc.oneof(
    {
      weight: 30,
      arbitrary: fc.tuple(fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(1, 2) }), fc.integer({ min: -2000, max: 300 }), customer, status, fc.nat(500)).map(([l, jitter, c, s, price]) => {
        const value = (k: string) => (k === 'ts' ? JSON.stringify(new Date(T + i * 300 + jitter).toISOString()) : k === 'order' ? `"o-${i}"` : k === 'customer' ? c : k === 'status' ? s : String(price));
        return `{${layouts[l]!.filter((k) => k !== 'customer' || c !== undefined).map((k) => `"${k}":${value(k)}`).join(',')}}`;
      }),
    },
    { weight: 1, arbitrary: odd },
  );
const lines = fc.integer({ min: 20, max: 150 }).chain((count) => fc.tuple(...Array.from({ length: count }, (_, i) => lineAt(i))));
/** Where the input is cut into reads. */
const cuts = fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 12 });

const keys = fc.constantFrom(['customer.tier'], ['customer.tier', 'status'], ['status', 'customer.tier', 'customer.id'], ['customer.tier', 'customer.tier'], ['customer.x.y'], ['customer']);
const aggregates = fc.constantFrom<AggregateSpec[]>(
  [{ kind: 'count' }],
  [{ kind: 'count' }, { kind: 'sum', field: 'customer.score' }],
  [{ kind: 'avg', field: 'customer.score' }, { kind: 'max', field: 'price' }],
  [{ kind: 'min', field: 'customer.id' }, { kind: 'sum', field: 'customer.tier' }],
);
const mode = fc.constantFrom<OutputMode>('batch', 'update', 'complete');

test('reduce-by-key with nested key and aggregate fields reading a pipe prints what SLUICE_FAST=0 prints', async () => {
  await fc.assert(
    fc.asyncProperty(lines, cuts, keys, aggregates, mode, fc.constantFrom(1, 2, 100), async (data, sizes, fields, aggs, m, depth) => {
      const input = chunks(boundedStream(data, 17), sizes);
      const build = (next: Downstream, ctx: StageContext): Downstream => new ReduceByKeyOperator({ key: { fields }, aggregates: aggs, mode: m }, next, ctx);
      const fast = await withFastPaths(true, () => stageOver('reduce-by-key', input, depth, build, { now: T + 30_000 }));
      const general = await withFastPaths(false, () => stageOver('reduce-by-key', input, depth, build, { now: T + 30_000 }));
      assert.deepEqual(fast, general);
    }),
    { numRuns: cases(150) },
  );
});

test('under sluice run, reduce-by-key with nested fields after a window prints what SLUICE_FAST=0 prints', async () => {
  await fc.assert(
    fc.asyncProperty(lines, cuts, keys, aggregates, fc.constantFrom(1, 2, 100), async (data, sizes, fields, aggs, reduceDepth) => {
      const input = chunks(data.join('\n') + '\n', sizes);
      const build = (writer: NdjsonWriter, ctx: StageContext): Downstream => {
        const reduce = new ReduceByKeyOperator({ key: { fields }, aggregates: aggs, mode: 'update' }, writer, { ...ctx, maxDepth: reduceDepth });
        const window = { shape: { kind: 'fixed' as const, size: 4000 }, timeField: 'ts', watermarkDelay: 1500, maxSkew: 0, late: { kind: 'drop' as const }, limits: { maxKeys: 0, maxBytes: 0 } };
        return new WindowOperator(window, new PipeBoundary(reduce, ctx.errors), ctx);
      };
      const fast = await withFastPaths(true, () => sourceOver(input, 100, build, { now: T + 30_000, boundedAt: T }));
      const general = await withFastPaths(false, () => sourceOver(input, 100, build, { now: T + 30_000, boundedAt: T }));
      assert.deepEqual(fast, general);
    }),
    { numRuns: cases(100) },
  );
});

test('nested key fields take the keyed-line path: no line of an order stream becomes a record', async () => {
  const orders = Array.from({ length: 400 }, (_, i) => `{"ts":"2026-01-01T00:00:0${i % 10}.000Z","order":"o-${i}","customer":{"id":${i % 37},"tier":"${['gold', 'none', 'é'][i % 3]}"},"status":${i % 2 ? 200 : 404},"price":${i % 11}.5}`);
  const input = chunks(boundedStream(orders, 100), [50, 1000, 3000, 7]);
  for (const fields of [['customer.tier'], ['customer.tier', 'status']]) {
    let records = 0;
    const build = (next: Downstream, ctx: StageContext): Downstream => {
      const op = new ReduceByKeyOperator({ key: { fields }, aggregates: [{ kind: 'count' }, { kind: 'sum', field: 'price' }, { kind: 'max', field: 'customer.id' }] }, next, ctx);
      const data = op.data.bind(op);
      op.data = (record, raw) => {
        records++;
        data(record, raw);
      };
      return op;
    };
    const fast = await withFastPaths(true, () => stageOver('reduce-by-key', input, 100, build, { now: T + 30_000 }));
    assert.equal(records, 0, `${fields.join(' ')}: lines read as records`);
    assert.deepEqual(fast, await withFastPaths(false, () => stageOver('reduce-by-key', input, 100, build, { now: T + 30_000 })));
  }
});
