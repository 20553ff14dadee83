import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { BytePrefix, viewOf } from '../../src/engine/fast/byte-prefix.js';
import { CountLane } from '../../src/engine/fast/count-lane.js';
import { OUTPUT_MODES, ReduceByKeyOperator } from '../../src/engine/operators/reduce-by-key.js';
import type { StageContext } from '../../src/engine/context.js';
import type { Downstream } from '../../src/engine/stream.js';
import { withFastPaths } from '../helpers/fast-paths.js';
import { chunks, stageOver } from '../helpers/stage-over.js';
import { controlLine } from '../helpers/stream.js';

// reduce-by-key FIELD --count reading a pipe: `{"FIELD":"key"}` lines are
// counted from the read's bytes (CountLane.countLines, its prefix compared
// four bytes at a time by BytePrefix) and the rows go to the writer as text
// in large pieces (CountLane.writeRows). For any field name, keys from a few
// to thousands (the count table grows, rows span several pieces), other lines
// and control records in mid-read, and reads cut anywhere, the stage prints
// and reports exactly what it prints with SLUICE_FAST=0.

const cases = (n: number) => Math.max(1, Math.round(n * Number(process.env['SLUICE_DIFF_CASES'] ?? 1)));
const T = Date.UTC(2026, 0, 1);

test('byte prefix: matches exactly where the bytes are the prefix, at any offset of a view', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 14 }), fc.uint8Array({ minLength: 0, maxLength: 40 }), fc.nat(6), fc.nat(40), fc.option(fc.nat(13)), (prefix, filler, lead, insertAt, flip) => {
      const own = Buffer.alloc(lead + filler.length + prefix.length);
      own.set(filler, lead);
      const at = lead + Math.min(insertAt, filler.length);
      own.set(prefix, at);
      if (flip !== null && prefix.length > 0) own[at + (flip % prefix.length)]! ^= 1 << (flip % 8);
      // A view that does not start at its buffer's start, as a read's subarray.
      const bytes = own.subarray(lead);
      const p = new BytePrefix(prefix);
      const view = viewOf(bytes);
      for (let pos = 0; pos + prefix.length <= bytes.length; pos++) {
        const expected = prefix.every((b, i) => bytes[pos + i] === b);
        assert.equal(p.at(view, bytes, pos), expected, `at ${pos}`);
      }
    }),
    { numRuns: 2000 },
  );
});

/** Field names whose `{"F":"` prefix is 6 to 13 bytes (whole words and a tail), escaped, non-ASCII. */
const field = fc.constantFrom('value', 'w', 'ab', 'abcde', 'word_1', 'userName', 'a"b', 'é', 'x y', 'k');
const oddKey = fc.constantFrom('', 'a"b', 'back\\slash', 'é', '😀', '\u0000x', '\t', 'x\u007f', '__proto__', 'long-'.repeat(8));

/** An input of `{"F":"key"}` lines from a deterministic generator, with other lines and control records among them. */
const input = fc.record({ field, lines: fc.integer({ min: 1, max: 3000 }), distinct: fc.integer({ min: 1, max: 3000 }), seed: fc.integer({ min: 1, max: 2 ** 30 }), odd: fc.array(oddKey, { maxLength: 3 }), controls: fc.boolean(), cr: fc.boolean() }).map((o) => {
  let seed = o.seed;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return Math.floor((seed / 2 ** 31) * n);
  };
  const out: string[] = o.controls ? [controlLine({ type: 'start', interval: 1000, bounded: true })] : [];
  let batch = 0;
  for (let i = 0; i < o.lines; i++) {
    const r = next(200);
    if (r < 2 && o.odd.length > 0) out.push(JSON.stringify({ [o.field]: o.odd[next(o.odd.length)] }));
    else if (r === 2) out.push(JSON.stringify({ [o.field]: 7 }));
    else if (r === 3) out.push(JSON.stringify({ other: 'k1', [o.field]: 'k2' }));
    else if (r === 4) out.push(`{ "${o.field.replace(/"/g, '\\"')}": "k3" }`);
    else if (r === 5) out.push('');
    else if (r === 6 && o.cr) out.push(JSON.stringify({ [o.field]: 'k4' }) + '\r');
    else if (r === 7 && o.controls) out.push(controlLine({ type: 'batch', id: batch, start: T + batch * 1000, end: T + ++batch * 1000 }));
    else out.push(JSON.stringify({ [o.field]: `k${next(o.distinct)}` }));
  }
  if (o.controls) out.push(controlLine({ type: 'end' }), controlLine({ type: 'batch', id: batch, start: T + batch * 1000, end: T + (batch + 1) * 1000 }), controlLine({ type: 'eos' }));
  return { field: o.field, text: out.join('\n') + '\n' };
});
const cuts = fc.array(fc.integer({ min: 1, max: 9000 }), { minLength: 1, maxLength: 8 });

test('reduce-by-key FIELD --count reading a pipe: counted from bytes and written as row text exactly as line by line', { timeout: 600_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(input, cuts, fc.constantFrom(...OUTPUT_MODES), async ({ field: f, text }, sizes, mode) => {
      const reads = chunks(text, sizes);
      const build = (next: Downstream, ctx: StageContext): Downstream => new ReduceByKeyOperator({ key: { fields: [f] }, aggregates: [{ kind: 'count' }], mode }, next, ctx);
      const o = { now: T + 30_000, maxLineBytes: 1000 };
      const fast = await withFastPaths(true, () => stageOver('reduce-by-key', reads, 100, build, o));
      const general = await withFastPaths(false, () => stageOver('reduce-by-key', reads, 100, build, o));
      assert.deepEqual(fast, general);
      assert.equal(fast[0], 'exit 0');
    }),
    { numRuns: cases(30) },
  );
});

test('a read with keys beyond ASCII is counted whole: such a key is decoded, the lines after it stay on the byte path', () => {
  const lane = CountLane.for({ fields: ['value'] }, [{ kind: 'count' }])!;
  const keys = ['plain', 'don’t', 'Straße', 'plain', '😀', 'x\u007f', 'don’t', 'tail'];
  const bytes = Buffer.from(keys.map((k) => JSON.stringify({ value: k }) + '\n').join(''));
  const fresh: string[] = [];
  const taken = lane.countLines(bytes, 0, bytes.length - 1, 1000, (k) => fresh.push(k));
  assert.deepEqual(taken, { to: bytes.length, lines: keys.length });
  assert.deepEqual(fresh, ['plain', 'don’t', 'Straße', '😀', 'x\u007f', 'tail']);
  assert.deepEqual(Array.from({ length: lane.counts.size }, (_, i) => [lane.counts.keyAt(i), lane.counts.countAt(i)]), [['plain', 2], ['don’t', 2], ['Straße', 1], ['😀', 1], ['x\u007f', 1], ['tail', 1]]);
  // Invalid UTF-8 in a key stops the path there: the ordinary path replaces or refuses it.
  const bad = Buffer.concat([Buffer.from('{"value":"a"}\n{"value":"'), Buffer.from([0xc3]), Buffer.from('"}\n{"value":"b"}\n')]);
  assert.equal(lane.countLines(bad, 0, bad.length - 1, 1000, () => {}).lines, 1);
});
