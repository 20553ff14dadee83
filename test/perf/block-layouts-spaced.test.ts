import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { BlockLayouts } from '../../src/engine/fast/block-layouts.js';
import { spacedJson } from '../helpers/json-text.js';

// Lines as Python's json.dumps writes them by default (a space after each :
// and ,) are common NDJSON. BlockLayouts learns their separators, so the
// window stage, the copies of the source and the sink, and reduce-by-key
// take them whole instead of leaving them to the general path; a line
// written otherwise takes another layout. The differential test over real
// pipes (varied-layouts-pipes.test.ts) checks the output; this checks the path.

const scalar = fc.oneof(fc.array(fc.constantFrom('a', ' ', 'é', '😀', ':', ','), { maxLength: 5 }).map((cs) => cs.join('')), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
const nested = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.dictionary(fc.constantFrom('x', 'y z', 'é'), scalar, { maxKeys: 3 }));

/** Scans the lines once to learn their layout, then again: what the second scan took, and the captured texts it saw. */
function scanTwice(layouts: BlockLayouts, lines: string[], captures = true) {
  const bytes = Buffer.from(lines.join('\n') + '\n');
  const end = bytes.length - 1;
  layouts.scan(bytes, 0, end, 10_000, () => true);
  const seen: { field: string; raws: (string | undefined)[] }[] = [];
  const taken = layouts.scan(bytes, 0, end, 10_000, () => {
    if (captures) seen.push({ field: bytes.toString('utf8', layouts.fieldFrom, layouts.fieldTo), raws: [layouts.raw(0), layouts.raw(1)] });
    return true;
  });
  return { end, taken, seen };
}

test('spaced lines are taken whole, with the time field and the captured values as JSON.parse reads them', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 59 }), fc.integer({ min: 100, max: 599 }), nested, nested), { minLength: 1, maxLength: 8 }), fc.boolean(), (rows, timeFirst) => {
      const records = rows.map(([s, status, a, b]) => {
        const ts = `2026-01-01T00:00:${String(s).padStart(2, '0')}.000Z`;
        return timeFirst ? { ts, a, status, b } : { a, status, ts, b };
      });
      const lines = records.map(spacedJson);
      const { end, taken, seen } = scanTwice(new BlockLayouts('ts', ['window', 'late'], 3, ['status', 'ts']), lines);
      assert.deepEqual(taken, { to: end + 1, lines: lines.length }, lines.join('\n'));
      seen.forEach(({ field, raws }, i) => {
        assert.equal(field, records[i]!.ts);
        assert.deepEqual(raws.map((r) => (r === undefined ? undefined : JSON.parse(r))), [records[i]!.status, records[i]!.ts]);
      });
      // Without a field (the copies), nested values and all.
      const copy = scanTwice(new BlockLayouts(undefined, [], 3), lines, false);
      assert.deepEqual(copy.taken, { to: copy.end + 1, lines: lines.length });
    }),
    { numRuns: 500 },
  );
});

test('a line spaced otherwise than its layout is not taken by it: each layout keeps its own top-level separators', () => {
  const python = '{"a": 1, "b": [1, 2], "c": {"d": "x"}}';
  // Only the first has a layout of its own to learn (each member keeps its separator); the others' spaces are no layout's.
  const learnable = ['{"a": 1,"b": [1, 2], "c": {"d": "x"}}'];
  for (const other of [...learnable, '{"a":  1, "b": [1, 2], "c": {"d": "x"}}', '{"a" : 1, "b": [1, 2], "c": {"d": "x"}}', '{"a": 1, "b": [1,  2], "c": {"d": "x"}}']) {
    const layouts = new BlockLayouts(undefined, [], 3);
    const learnt = Buffer.from(`${python}\n${python}\n`);
    assert.deepEqual(layouts.scan(learnt, 0, learnt.length - 1, 1000, () => true), { to: learnt.length, lines: 2 });
    assert.equal(layouts.match(other, 0), false, other);
    // Met within a read, it is learnt as a layout of its own and read with the rest (up to RELEARNS_PER_READ such lines), or the rest goes the ordinary way.
    const bytes = Buffer.from(`${python}\n${other}\n${python}\n`);
    const own = learnable.includes(other);
    assert.deepEqual(layouts.scan(bytes, 0, bytes.length - 1, 1000, () => true), own ? { to: bytes.length, lines: 3 } : { to: python.length + 1, lines: 1 }, other);
    assert.equal(layouts.match(other, 0), own, other);
  }
  // Nested values of a spaced line may be written without spaces (a value a sluice stage added, such as the window).
  for (const compactInside of ['{"a": 1, "b": [1,2], "c": {"d": "x"}}', '{"a": 1, "b": [1, 2], "c": {"d":"x"}}', '{"a": 1, "b": [1, 2], "c": {"d": "x"},"window":{"start":"s","end":"e"}}']) {
    const mixed = new BlockLayouts(undefined, [], 3);
    const bytes = Buffer.from(`${compactInside}\n${compactInside}\n`);
    mixed.scan(bytes, 0, bytes.length - 1, 1000, () => true);
    assert.deepEqual(mixed.scan(bytes, 0, bytes.length - 1, 1000, () => true), { to: bytes.length, lines: 2 }, compactInside);
  }
  // A captured value is read as text: one written with spaces inside is left to the general path.
  const captured = new BlockLayouts(undefined, [], 3, ['c']);
  const bytes = Buffer.from(`${python}\n${python}\n`);
  captured.scan(bytes, 0, bytes.length - 1, 1000, () => true);
  assert.deepEqual(captured.scan(bytes, 0, bytes.length - 1, 1000, () => true), { to: 0, lines: 0 });
});
