import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { buildAggregate } from '../../src/engine/aggregates.js';
import { detached } from '../../src/engine/detached.js';

// A value cut from an input line can be a V8 sliced string that keeps the
// whole read alive; state must hold copies (src/engine/detached.ts).

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** The heap held by what `keep` returns for 200 short slices of 200 reads of about 1 MB each. */
function heapHeldBy(keep: (slice: string) => unknown): number {
  gc();
  const before = process.memoryUsage().heapUsed;
  const held: unknown[] = [];
  for (let i = 0; i < 200; i++) {
    const read = `{"ts":"2026-01-01T00:00:${i}Z"}`.repeat(32_000) + i;
    held.push(keep(read.slice(7, 7 + 24)));
  }
  gc();
  const after = process.memoryUsage().heapUsed;
  assert.equal(held.length, 200);
  return after - before;
}

test('a detached string holds its own characters, not the read it was cut from', () => {
  const read = 'x'.repeat(1000) + 'the value we keep' + 'y'.repeat(1000);
  const slice = read.slice(1000, 1017);
  assert.equal(detached(slice), slice);
  assert.equal(detached('short'), 'short');
  assert.equal(detached(42), 42);
  assert.ok(heapHeldBy((s) => s) > 100e6, 'the slices alone hold the reads (else this test proves nothing)');
  assert.ok(heapHeldBy(detached) < 10e6);
});

for (const kind of ['first', 'last', 'collect'] as const) {
  test(`--${kind} keeps copies of the values it holds`, () => {
    const agg = buildAggregate({ kind, field: 'ts' });
    const held = heapHeldBy((ts) => {
      const acc = agg.init();
      agg.add(acc, { ts });
      agg.add(acc, { ts });
      return acc;
    });
    assert.ok(held < 10e6, `${(held / 1e6).toFixed(0)} MB held`);
  });
}
