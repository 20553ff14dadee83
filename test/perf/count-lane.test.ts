import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ReduceByKeyOperator, OUTPUT_MODES, type OutputMode } from '../../src/engine/operators/reduce-by-key.js';
import { Harness, T0, at } from '../window/harness.js';
import { withFastPaths } from '../helpers/fast-paths.js';

// reduce-by-key FIELD --count counts plain records in a flat lane (src/engine/fast/count-lane.ts).
// The property: with or without the lane, the operator emits the same lines, warnings and
// state-limit failures, for every mode, any mix of records and control records, and
// snapshot/restore at any point.

type Step =
  | { t: 'data'; record: unknown }
  | { t: 'batch' }
  | { t: 'watermark'; s: number }
  | { t: 'checkpoint' };

const win = (s: number) => ({ start: at(s), end: at(s + 10) });
const key = fc.oneof(fc.constantFrom('a', 'b', 'c', '', '\u0000a', '__proto__', 'é', '1'), fc.string({ maxLength: 3 }));
const record = fc.oneof(
  { weight: 6, arbitrary: key.map((k) => ({ k })) },
  { weight: 1, arbitrary: fc.record({ k: key, other: fc.integer() }) },
  { weight: 1, arbitrary: fc.record({ k: key, window: fc.integer({ min: 0, max: 3 }).map((i) => win(i * 10)) }) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.constant(null), fc.constant(true)).map((k) => ({ k })) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>({}, { k: 'a', window: 'x' }, ['a'], 'a', 7, null, { k: ['a'] }, { k: { x: 1 } }) },
);
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: record.map((r) => ({ t: 'data' as const, record: r })) },
  { weight: 2, arbitrary: fc.constant({ t: 'batch' as const }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 50 }).map((s) => ({ t: 'watermark' as const, s })) },
  { weight: 1, arbitrary: fc.constant({ t: 'checkpoint' as const }) },
);

async function run(mode: OutputMode, maxKeys: number, steps: Step[], lane: boolean): Promise<string[]> {
  const h = new Harness();
  const make = () => {
    const op = new ReduceByKeyOperator({ key: { fields: ['k'] }, aggregates: [{ kind: 'count' }], mode, limits: { maxKeys, maxBytes: 0 } }, h, h.ctx);
    if (!lane) Object.assign(op, { lane: undefined });
    return op;
  };
  let op = make();
  const out: string[] = [];
  let id = 0;
  try {
    for (const s of steps) {
      if (s.t === 'data') {
        // Input as a stage reads it: undecoded bytes first, then the text line, then the parsed record.
        const raw = JSON.stringify(s.record);
        const bytes = Buffer.from(`\n${raw}\n`);
        if (raw === undefined || !(op.takeLineBytes(bytes, 1, bytes.length - 1, 1 << 20).lines === 1 || op.takeLine(raw))) op.data(s.record, raw);
      }
      else if (s.t === 'batch') await op.control({ type: 'batch', id, start: T0 + id * 1000, end: T0 + ++id * 1000 });
      else if (s.t === 'watermark') await op.control({ type: 'watermark', t: T0 + s.s * 1000 });
      else {
        const snap = JSON.parse(JSON.stringify(op.snapshot()));
        op = make();
        op.restore(snap);
      }
    }
    await op.control({ type: 'eos' });
  } catch (err) {
    out.push(`threw ${(err as Error).message}`);
  }
  for (const e of h.events) {
    // Raw text, when given, must be exactly the record's JSON.
    if ('data' in e && e.raw !== undefined) assert.equal(e.raw, JSON.stringify(e.data));
  }
  return [...out, ...h.lines, ...h.warnings, `bad ${h.ctx.errors.summary() ?? ''}`];
}

test('count lane: same output as the general path in every mode, with snapshots and state limits', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...OUTPUT_MODES), fc.constantFrom(0, 0, 2, 5), fc.array(step, { maxLength: 24 }), async (mode, maxKeys, steps) => {
      assert.deepEqual(await run(mode, maxKeys, steps, true), await run(mode, maxKeys, steps, false));
    }),
    { numRuns: 1500 },
  );
});

test('count lane: plain string keys take the lane and emit prebuilt rows', async () => {
  const h = new Harness();
  const op = withFastPaths(true, () => new ReduceByKeyOperator({ key: { fields: ['word'] }, aggregates: [{ kind: 'count' }] }, h, h.ctx));
  for (const w of ['b', 'a', 'b', 'say "hi"']) op.data({ word: w }, undefined);
  assert.equal((op as unknown as { lane: { counts: Map<string, number> } }).lane.counts.size, 3);
  await op.control({ type: 'batch', id: 0, start: T0, end: T0 + 1000 });
  assert.deepEqual(
    h.events.map((e) => ('data' in e ? e.raw : 'control')),
    [`{"window":{"start":"${at(0)}","end":"${at(1)}"},"word":"b","count":2}`, `{"window":{"start":"${at(0)}","end":"${at(1)}"},"word":"a","count":1}`, `{"window":{"start":"${at(0)}","end":"${at(1)}"},"word":"say \\"hi\\"","count":1}`, 'control'],
  );
});

test('count lane: a flat map under sluice run hands its strings straight to reduce-by-key value --count, with the same rows', async () => {
  const { ExpressionOperator } = await import('../../src/engine/operators/expression-operator.js');
  await fc.assert(
    fc.asyncProperty(fc.array(fc.array(fc.oneof(key, fc.integer(), fc.constant(null)), { maxLength: 5 }), { maxLength: 20 }), fc.constantFrom(...OUTPUT_MODES), async (lists, mode) => {
      const outputs = [];
      for (const lane of [true, false]) {
        const h = new Harness();
        const reduce = withFastPaths(lane, () => new ReduceByKeyOperator({ key: { fields: ['value'] }, aggregates: [{ kind: 'count' }], mode }, h, h.ctx));
        const flat = withFastPaths(lane, () => new ExpressionOperator('flat', 'r.items', reduce, h.ctx));
        for (const items of lists) flat.data({ items }, undefined);
        await flat.control({ type: 'batch', id: 0, start: T0, end: T0 + 1000 });
        await flat.control({ type: 'eos' });
        outputs.push(h.lines);
      }
      assert.deepEqual(outputs[0], outputs[1]);
    }),
    { numRuns: 300 },
  );
});
