import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { lineLayout, MAX_ANY_ORDER, MAX_OPTIONAL, mergedLayout, type LayoutMember } from '../../src/engine/fast/layout-merge.js';
import { LineShapes } from '../../src/engine/fast/line-shapes.js';
import { LayoutTrial } from '../../src/engine/fast/layout-trial.js';
import { BlockLayouts } from '../../src/engine/fast/block-layouts.js';
import { spacedJson } from '../helpers/json-text.js';

/** A trial that learns without a budget: the merges are under test here, the budget in layout-trial.test.ts. */
const unbudgeted = () => new LayoutTrial(Infinity);

// Layouts with optional members (src/engine/fast/layout-merge.ts): lines that
// differ by members some have and others lack share one layout, which reads
// each line exactly as JSON.parse does; the real bin is checked against
// SLUICE_FAST=0 in varied-layouts-pipes.test.ts.

const members = (keys: string[]): LayoutMember[] => keys.map((key, i) => ({ key, before: i === 0 ? '{' : ',', colon: ':', optional: false, anyOrder: false }));
const same = () => true;
const merged = (a: string[], b: string[]) => mergedLayout(lineLayout(members(a)), members(b), same)?.members;

/**
 * Whether a layout's regular expression would accept a line with these keys:
 * required members in order, an optional one taken when it is next, the
 * members of an any-order gap in any order, each once.
 */
function accepts(layout: readonly LayoutMember[], keys: readonly string[]): boolean {
  let i = 0;
  for (let k = 0; k < layout.length; ) {
    if (layout[k]!.anyOrder) {
      const gap = new Set<string>();
      for (; k < layout.length && layout[k]!.anyOrder; k++) gap.add(layout[k]!.key);
      while (i < keys.length && gap.delete(keys[i]!)) i++;
      continue;
    }
    if (keys[i] === layout[k]!.key) i++;
    else if (!layout[k]!.optional) return false;
    k++;
  }
  return i === keys.length;
}

test('a merge accepts both lines, keeps required the keys both have in one order, and makes the others optional', () => {
  const keys = fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g'), { minLength: 1, maxLength: 6 });
  fc.assert(
    fc.property(keys, keys, (a, b) => {
      const layout = merged(a, b);
      if (a[0] !== b[0] || a.join() === b.join()) return assert.equal(layout, undefined);
      // A gap in any order has at most MAX_ANY_ORDER members.
      if (layout === undefined) return assert.ok(new Set([...a, ...b]).size > MAX_ANY_ORDER + 1, `${a} + ${b}`);
      const seq = layout.map((m) => m.key);
      assert.equal(new Set(seq).size, seq.length, 'each key once');
      assert.deepEqual([...seq].sort(), [...new Set([...a, ...b])].sort());
      assert.ok(accepts(layout, a) && accepts(layout, b), `${a} + ${b} -> ${seq}`);
      const both = a.filter((k) => b.includes(k));
      const sameOrder = both.join() === b.filter((k) => a.includes(k)).join();
      for (const m of layout) assert.equal(m.optional, !both.includes(m.key) || (!sameOrder && m.optional), m.key);
      assert.equal(seq[0], a[0]);
    }),
    { numRuns: 5000 },
  );
  assert.equal(merged(['a', 'b'], ['b', 'a']), undefined, 'another first member');
  assert.equal(merged(['a', 'b'], ['a', 'b']), undefined, 'nothing to add');
  assert.equal(merged(['a', 'b', 'b'], ['a', 'b', 'c']), undefined, 'a key twice');
  assert.equal(merged(['a', 'b', 'c'], ['a', 'c', 'c']), undefined, 'a key twice');
  const wide = Array.from({ length: MAX_OPTIONAL + 1 }, (_, i) => `k${i}`);
  assert.equal(merged(['a'], ['a', ...wide]), undefined, 'too many optional members');
  const gap = wide.slice(0, MAX_ANY_ORDER + 1);
  assert.equal(merged(['a', ...gap], ['a', ...gap.reverse()]), undefined, 'too many members in a gap in any order');
});

test('a gap keeps the order its lines agree with, reordered when a line shows one not known, and takes any order once they disagree', () => {
  const gap = (layout: readonly LayoutMember[] | undefined) => layout?.map((m) => `${m.key}${m.anyOrder ? '*' : m.optional ? '?' : ''}`).join(' ');
  let layout = mergedLayout(lineLayout(members(['t', 'ms', 'z'])), members(['t', 'ref', 'z']), same)!;
  layout = mergedLayout(layout, members(['t', 'err', 'z']), same)!;
  assert.equal(gap(layout.members), 't ms? ref? err? z');
  // The producer writes err before ref: no line said otherwise.
  layout = mergedLayout(layout, members(['t', 'err', 'ref', 'z']), same)!;
  assert.equal(gap(layout.members), 't ms? err? ref? z');
  assert.ok(accepts(layout.members, ['t', 'ms', 'err', 'ref', 'z']));
  // Another producer writes ref before err.
  layout = mergedLayout(layout, members(['t', 'ref', 'err', 'z']), same)!;
  assert.equal(gap(layout.members), 't ms* err* ref* z');
  assert.equal(mergedLayout(layout, members(['t', 'err', 'ms', 'z']), same), undefined, 'nothing to change');
});

/** Lines of one producer: a few members always there, and between them gaps of members each line has or not. */
const SKELETON = ['ts', 'user', 'status'];
const GAPS = [['ref', 'trace'], ['err', 'ms', 'tags', 'note'], ['x', 'y']];
const lineKeys = (inOrder: boolean) =>
  fc.tuple(...GAPS.map((keys) => (inOrder ? fc.subarray(keys) : fc.shuffledSubarray(keys)))).map((gaps) => SKELETON.flatMap((key, g) => [key, ...gaps[g]!]));

test('lines whose optional members come in any subset and order merge into one layout that takes them all; in one order, it keeps that order', () => {
  fc.assert(
    fc.property(fc.array(lineKeys(false), { minLength: 1, maxLength: 60 }), fc.boolean(), fc.array(lineKeys(true), { minLength: 1, maxLength: 60 }), (shuffled, inOrder, ordered) => {
      const lines = inOrder ? ordered : shuffled;
      let layout = lineLayout(members(lines[0]!));
      let merges = 0;
      // A line a merge reordered the gap against is merged again when it comes again.
      for (let pass = 0; lines.some((keys) => !accepts(layout.members, keys)); pass++) {
        assert.ok(pass < 4, 'a few passes');
        for (const keys of lines) {
          if (accepts(layout.members, keys)) continue;
          const next = mergedLayout(layout, members(keys), same);
          assert.ok(next !== undefined, `${keys} into ${layout.members.map((m) => m.key)}`);
          layout = next;
          merges++;
        }
      }
      // Each merge adds or makes optional one of the 8 optional members, or records one of two orders of a pair of keys in a gap (8 pairs).
      assert.ok(merges <= 8 + 2 * 8, `${merges} merges`);
      if (inOrder) assert.ok(!layout.members.some((m) => m.anyOrder), 'one producer order: no gap in any order');
    }),
    { numRuns: 2000 },
  );
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
      const shapes = new LineShapes(fields, 2, typed, false, unbudgeted());
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
      for (const layouts of [new BlockLayouts('ts', ['window', 'late'], 3, ['err', 'ts', 'ms'], unbudgeted()), new BlockLayouts(undefined, [], 3, undefined, unbudgeted())]) {
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

/** A value of each key, of one type per key (a typed layout takes one type per wanted field). */
const VALUES = {
  ts: fc.integer({ min: 0, max: 59 }).map((s) => `2026-01-01T00:00:${String(s).padStart(2, '0')}.000Z`),
  user: fc.constantFrom('u1', 'é', 'a"b'),
  status: fc.constantFrom(200, 404),
  ref: fc.constantFrom('x', 'é', 'a"b', '東京'),
  trace: fc.record({ id: fc.integer({ min: 0, max: 99 }), span: fc.constantFrom('a', 'b') }),
  err: fc.constantFrom('E1', 'bad "gateway"'),
  ms: fc.integer({ min: 0, max: 999 }),
  tags: fc.array(fc.constantFrom('a', 1), { maxLength: 2 }),
  note: fc.constantFrom('', 'für', 'a\\b', 'x\ny'),
  x: fc.constantFrom(true, false, null),
  y: fc.record({ k: fc.integer() }),
};
type Member = [string, unknown];
const lineText = (members: Member[], spaced: boolean) =>
  spaced ? `{${members.map(([k, v]) => `${JSON.stringify(k)}: ${spacedJson(v)}`).join(', ')}}` : `{${members.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
/** A stream of one producer, its optional members in one order or in any, written compact or as Python does. */
const producerStream = fc
  .tuple(fc.boolean(), fc.boolean())
  .chain(([inOrder, spaced]) =>
    fc.array(fc.tuple(lineKeys(inOrder), fc.record(VALUES)), { minLength: 1, maxLength: 50 }).map((rows) => rows.map(([keys, values]) => keys.map((k): Member => [k, values[k as keyof typeof VALUES]])).map((members) => ({ members, spaced }))),
  );
/** The line with one of its optional members written twice, where the general path reads the last. */
const withDuplicate = ({ members, spaced }: { members: Member[]; spaced: boolean }): string | undefined => {
  const at = members.findIndex(([k]) => !SKELETON.includes(k));
  return at < 0 ? undefined : lineText([...members.slice(0, at + 1), members[at]!, ...members.slice(at + 1)], spaced);
};
/** Lines that took a layout of their own, or changed one: each of the 8 optional members added or made optional, each order of the 8 pairs of keys in a gap, and a few more for the typed kinds. */
const MAX_MISSES = 8 + 2 * 8 + 1;

test('a stream whose optional members come in any subset and order: once learned, a layout reads every line as JSON.parse does, and a line writing a key twice is left to the general path', () => {
  fc.assert(
    fc.property(producerStream, fc.boolean(), fc.constantFrom(['status', 'err', 'ms', 'y'], ['trace', 'x', 'user'], ['ms']), (stream, typed, wanted) => {
      const lines = stream.map(({ members, spaced }) => lineText(members, spaced));
      // An untyped layout captures nested values written compact only (their text is compared): it leaves the spaced ones.
      const fields = !typed && stream[0]!.spaced ? wanted.filter((f) => f !== 'trace' && f !== 'y') : wanted;
      const shapes = new LineShapes(fields, 2, typed, false, unbudgeted());
      // A line a merge reordered its gap against is learned again when it comes again.
      let misses = 0;
      for (let pass = 0; lines.some((line) => !shapes.exec(line)); pass++) {
        assert.ok(pass < 4, 'a few passes');
        for (const line of lines) {
          if (shapes.exec(line)) continue;
          shapes.learn(line);
          misses++;
        }
      }
      assert.ok(misses <= MAX_MISSES, `${misses} lines learned`);
      const block = lines.join('\n');
      let at = 0;
      for (const line of lines) {
        assert.ok(shapes.exec(line), line);
        const parsed = JSON.parse(line) as Record<string, unknown>;
        const want = Object.fromEntries(fields.filter((f) => Object.hasOwn(parsed, f)).map((f) => [f, parsed[f]]));
        assert.deepStrictEqual(shapes.record(), want, line);
        fields.forEach((f, i) => {
          const raw = shapes.raw(i);
          assert.deepStrictEqual(raw === undefined ? undefined : JSON.parse(raw), parsed[f], `${line} raw ${f}`);
        });
        assert.deepStrictEqual(shapes.recordAt(block, at), want, line);
        assert.equal(shapes.end, at + line.length);
        at += line.length + 1;
      }
      for (const line of stream.map(withDuplicate)) if (line !== undefined) assert.ok(!shapes.exec(line) && shapes.recordAt(line, 0) === undefined, line);
    }),
    { numRuns: 1000 },
  );
});

test('the window\'s and the copies\' layouts take every line of such a stream once learned, captured fields as JSON.parse reads them, and leave a line writing a key twice', () => {
  fc.assert(
    fc.property(producerStream, (stream) => {
      const lines = stream.map(({ members, spaced }) => lineText(members, spaced));
      const bytes = Buffer.from(lines.join('\n') + '\n');
      const end = bytes.length - 1;
      // Captured values written compact (their text is compared).
      const captured = ['err', 'ts', 'ms', 'x'];
      for (const layouts of [new BlockLayouts('ts', ['window', 'late'], 3, captured, unbudgeted()), new BlockLayouts(undefined, [], 3, undefined, unbudgeted())]) {
        // Each scan stops at the first line of a layout not known, and learns it.
        let scans = 0;
        while (layouts.scan(bytes, 0, end, 10_000, () => true).lines < lines.length) assert.ok(++scans <= MAX_MISSES, `${scans} lines learned`);
        let at = 0;
        layouts.scan(bytes, 0, end, 10_000, () => {
          const parsed = JSON.parse(lines[at++]!) as Record<string, unknown>;
          if (layouts.fieldTo > 0) assert.deepEqual([0, 1, 2, 3].map((f) => layouts.raw(f)), captured.map((k) => (Object.hasOwn(parsed, k) ? JSON.stringify(parsed[k]) : undefined)));
          return true;
        });
        for (const line of stream.map(withDuplicate)) if (line !== undefined) assert.ok(!layouts.match(line, 0), line);
      }
    }),
    { numRuns: 500 },
  );
});
