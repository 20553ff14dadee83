import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { ExpressionOperator } from '../../src/engine/operators/expression-operator.js';
import { NdjsonWriter } from '../../src/engine/ndjson-writer.js';
import { Harness } from '../window/harness.js';
import { withFastPaths } from '../helpers/fast-paths.js';

// A flat map whose next stage is the writer builds the {"value": s} lines of a
// string array with one join when no string needs escaping; every line must be
// exactly what JSON.stringify gives, whatever the strings hold.

async function written(lists: unknown[], bulk: number[] = []): Promise<string> {
  const h = new Harness();
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const writer = new NdjsonWriter(out, { dataOnly: true });
  const lines = writer.lines.bind(writer);
  writer.lines = (text, count) => {
    bulk.push(count);
    lines(text, count);
  };
  // The fast path is under test: on, even when the suite runs with SLUICE_FAST=0.
  const flat = withFastPaths(true, () => new ExpressionOperator('flat', 'r.items', writer, h.ctx));
  for (const items of lists) flat.data({ items }, undefined);
  await writer.finish();
  return Buffer.concat(chunks).toString('utf8');
}

const expected = (lists: unknown[]) =>
  lists.flatMap((items) => (Array.isArray(items) ? items : [])).map((v) => JSON.stringify(v !== null && typeof v === 'object' && !Array.isArray(v) ? v : { value: v ?? null }) + '\n').join('');

test('flat map to the writer: string arrays give exactly the lines JSON.stringify would', async () => {
  const item = fc.oneof(
    { weight: 6, arbitrary: fc.string({ maxLength: 5 }) },
    { weight: 2, arbitrary: fc.fullUnicodeString({ maxLength: 3 }) },
    { weight: 1, arbitrary: fc.constantFrom('"', '\\', '\n', '\u0000', '\ud800', 'a\udc00b', '😀', '","', '') },
    { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.constant(null), fc.record({ k: fc.string() })) },
  );
  await fc.assert(
    fc.asyncProperty(fc.array(fc.array(item, { maxLength: 6 }), { maxLength: 8 }), async (lists) => {
      assert.equal(await written(lists), expected(lists));
    }),
    { numRuns: 500 },
  );
});

test('flat map to the writer: the word-split case takes the one-join path', async () => {
  const lists = [['a', 'b', 'a'], [], ['say "hi"', 'x'], ['c']];
  const bulk: number[] = [];
  assert.equal(await written(lists, bulk), '{"value":"a"}\n{"value":"b"}\n{"value":"a"}\n{"value":"say \\"hi\\""}\n{"value":"x"}\n{"value":"c"}\n');
  assert.deepEqual(bulk, [3, 1], 'arrays of plain strings go to the writer in one call each');
});
