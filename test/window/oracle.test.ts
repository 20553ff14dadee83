import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ReduceByKeyOperator } from '../../src/engine/operators/reduce-by-key.js';
import { WindowOperator } from '../../src/engine/operators/window.js';
import { Harness, T0, batch } from './harness.js';
import { oracleCounts, rowCounts, sorted, type Ev } from './events.js';

test('property: window | reduce-by-key --mode append equals an independent oracle, whatever the disorder and batch cuts', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ offset: fc.integer({ min: 0, max: 60_000 }), k: fc.constantFrom('a', 'b', 'constructor') }), { minLength: 1, maxLength: 80 }),
      fc.array(fc.nat(79), { maxLength: 8 }),
      fc.constantFrom([10_000, 10_000], [10_000, 5_000], [6_000, 2_000]),
      fc.integer({ min: 0, max: 8_000 }),
      async (recs, cuts, [size, slide], delay) => {
        const evs: Ev[] = recs.map((r, seq) => ({ ts: new Date(T0 + r.offset).toISOString(), k: r.k, seq }));
        const h = new Harness({ now: T0 });
        const reduce = new ReduceByKeyOperator({ key: { fields: ['k'] }, aggregates: [{ kind: 'count' }], mode: 'append' }, h, h.ctx);
        const win = new WindowOperator(
          { shape: { kind: 'fixed', size: size!, slide }, timeField: 'ts', watermarkDelay: delay, maxSkew: 0, late: { kind: 'drop' }, limits: { maxKeys: 0, maxBytes: 0 } },
          reduce,
          h.ctx,
        );
        let id = 0;
        for (const [i, e] of evs.entries()) {
          win.data(e, JSON.stringify(e));
          if (cuts.includes(i)) await batch(win, id++);
        }
        await batch(win, id);
        await win.control({ type: 'end' });
        await win.control({ type: 'eos' });
        const expected = oracleCounts(evs, size!, slide!, delay);
        assert.deepEqual(sorted(rowCounts(h.rows, size!)), sorted(expected.counts));
        const lateWarning = h.warnings.find((w) => /late record/.test(w));
        assert.equal(lateWarning ? Number(/(\d+) late record/.exec(lateWarning)![1]) : 0, expected.late);
      },
    ),
    { numRuns: 200 },
  );
});
