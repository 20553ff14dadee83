import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { StringCounts } from '../../src/engine/fast/string-counts.js';

// StringCounts must count exactly as a Map<string, number> does, in first-seen
// order, whichever way a key is given: whole, as a range of a string, or as ASCII bytes.

const asciiKey = fc.stringOf(fc.char(), { maxLength: 6 });
const anyKey = fc.oneof(asciiKey, fc.fullUnicodeString({ maxLength: 4 }), fc.constantFrom('', 'a', 'é', '\u0000', '__proto__'));

test('string counts: same counts and order as a Map, for whole keys, ranges and bytes', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(anyKey, fc.nat(2)), { maxLength: 3000 }), (ops) => {
      const expected = new Map<string, number>();
      const counts = new StringCounts();
      for (const [k, how] of ops) {
        const isNew = !expected.has(k);
        expected.set(k, (expected.get(k) ?? 0) + 1);
        const ascii = /^[\x00-\x7f]*$/.test(k);
        let added: boolean;
        if (how === 0) added = counts.add(k);
        else if (how === 1 || !ascii) added = counts.addRange(`xy${k}z`, 2, 2 + k.length);
        else {
          const bytes = Buffer.from(`ab${k}c`, 'latin1');
          added = counts.addAsciiBytes(bytes, 2, 2 + k.length);
        }
        assert.equal(added, isNew);
        if (added) assert.equal(counts.lastKey(), k);
      }
      assert.equal(counts.size, expected.size);
      assert.deepEqual([...counts], [...expected]);
    }),
    { numRuns: 300 },
  );
});

test('string counts: many distinct keys (the table grows) and clear()', () => {
  const counts = new StringCounts();
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 100_000; i++) counts.add(`k${i % 50_000}`);
  }
  assert.equal(counts.size, 50_000);
  const all = [...counts];
  assert.deepEqual(all[0], ['k0', 4]);
  assert.deepEqual(all[49_999], ['k49999', 4]);
  counts.clear();
  assert.equal(counts.size, 0);
  assert.equal(counts.add('k0'), true);
  assert.deepEqual([...counts], [['k0', 1]]);
});
