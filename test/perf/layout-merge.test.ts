import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MAX_OPTIONAL, mergedMembers, type LayoutMember } from '../../src/engine/fast/layout-merge.js';
import { LineShapes } from '../../src/engine/fast/line-shapes.js';
import { BlockLayouts } from '../../src/engine/fast/block-layouts.js';
import { spacedJson } from '../helpers/json-text.js';

// Layouts with optional members (src/engine/fast/layout-merge.ts): lines that
// differ by members some have and others lack share one layout, which reads
// each line exactly as JSON.parse does; the real bin is checked against
// SLUICE_FAST=0 in varied-layouts-pipes.test.ts.

const members = (keys: string[]): LayoutMember[] => keys.map((key, i) => ({ key, before: i === 0 ? '{' : ',', colon: ':', optional: false }));
const same = () => true;
const asOptional = (m: LayoutMember) => ({ ...m, optional: true });

/** Whether `keys` appear in `seq` in this order. */
function inOrder(keys: string[], seq: string[]): boolean {
  let j = 0;
  for (const k of seq) if (k === keys[j]) j++;
  return j === keys.length;
}

test('a merge keeps both key orders, makes the keys not in both optional, and refuses orders that disagree', () => {
  const keys = fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g'), { minLength: 1, maxLength: 6 });
  fc.assert(
    fc.property(keys, keys, (a, b) => {
      const merged = mergedMembers(members(a), members(b), same, asOptional);
      if (merged === undefined) return;
      const seq = merged.map((m) => m.key);
      assert.equal(new Set(seq).size, seq.length, 'each key once');
      assert.ok(inOrder(a, seq) && inOrder(b, seq), `${a} + ${b} -> ${seq}`);
      for (const m of merged) assert.equal(m.optional, !(a.includes(m.key) && b.includes(m.key)), m.key);
      assert.equal(seq[0], a[0]);
      assert.equal(a[0], b[0]);
    }),
    { numRuns: 5000 },
  );
  assert.equal(mergedMembers(members(['a', 'b', 'c']), members(['a', 'c', 'b']), same, asOptional), undefined);
  assert.equal(mergedMembers(members(['a', 'b']), members(['b', 'a']), same, asOptional), undefined);
  assert.equal(mergedMembers(members(['a', 'b']), members(['a', 'b']), same, asOptional), undefined, 'nothing to add');
  const wide = Array.from({ length: MAX_OPTIONAL + 1 }, (_, i) => `k${i}`);
  assert.equal(mergedMembers(members(['a']), members(['a', ...wide]), same, asOptional), undefined, 'too many optional members');
});

/** Records with members present or not: the layouts a stream with optional fields has. */
const optionalRecords = fc.array(
  fc.record(
    {
      ts: fc.integer({ min: 0, max: 59 }).map((s) => `2026-01-01T00:00:${String(s).padStart(2, '0')}.000Z`),
      ref: fc.constantFrom('x', 'é', 'a"b'),
      user: fc.constantFrom('u1', 'u2'),
      err: fc.oneof(fc.constantFrom('E1', null), fc.integer()),
      status: fc.constantFrom(200, 404),
      ms: fc.oneof(fc.integer({ min: 0, max: 999 }), fc.constant(1.5)),
      tags: fc.array(fc.constantFrom('a', 1), { maxLength: 2 }),
    },
    { requiredKeys: ['ts', 'user', 'status'] },
  ),
  { minLength: 1, maxLength: 40 },
);

test('a stream with optional members: a few layouts read every line as JSON.parse does', () => {
  fc.assert(
    fc.property(optionalRecords, fc.boolean(), fc.boolean(), (records, typed, spaced) => {
      const fields = ['status', 'err', 'ms'];
      const shapes = new LineShapes(fields, 2, typed);
      const lines = records.map((r) => (spaced ? spacedJson(r) : JSON.stringify(r)));
      for (const line of lines) if (!shapes.exec(line)) shapes.learn(line);
      // Once learned, every line is read by a layout (none left to the general path).
      for (const line of lines) {
        assert.ok(shapes.exec(line), line);
        const parsed = JSON.parse(line) as Record<string, unknown>;
        const want = Object.fromEntries(fields.filter((f) => Object.hasOwn(parsed, f)).map((f) => [f, parsed[f]]));
        assert.deepStrictEqual(shapes.record(), want, line);
        fields.forEach((f, i) => assert.equal(shapes.raw(i), Object.hasOwn(parsed, f) ? JSON.stringify(parsed[f]) : undefined));
      }
    }),
    { numRuns: 1000 },
  );
});

test('the window\'s and the copies\' layouts take every line of a stream with optional members, captured fields as JSON.parse reads them', () => {
  fc.assert(
    fc.property(optionalRecords, fc.boolean(), (records, spaced) => {
      const lines = records.map((r) => (spaced ? spacedJson(r) : JSON.stringify(r)));
      const bytes = Buffer.from(lines.join('\n') + '\n');
      const end = bytes.length - 1;
      for (const layouts of [new BlockLayouts('ts', ['window', 'late'], 3, ['err', 'ts', 'ms']), new BlockLayouts(undefined, [], 3)]) {
        // Each scan stops at the first line of a layout not known, and learns it.
        for (let i = 0; i <= lines.length; i++) layouts.scan(bytes, 0, end, 10_000, () => true);
        let at = 0;
        const taken = layouts.scan(bytes, 0, end, 10_000, () => {
          const parsed = JSON.parse(lines[at++]!) as Record<string, unknown>;
          if (layouts.fieldTo > 0) assert.deepEqual([0, 1, 2].map((f) => layouts.raw(f)), ['err', 'ts', 'ms'].map((k) => (Object.hasOwn(parsed, k) ? JSON.stringify(parsed[k]) : undefined)));
          return true;
        });
        assert.deepEqual(taken, { to: end + 1, lines: lines.length });
      }
    }),
    { numRuns: 500 },
  );
});
