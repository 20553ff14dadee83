import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { fieldSplitOf, forEachPiece, pieceValueLines } from '../../src/engine/fast/field-split.js';
import { isPlainJsonString } from '../../src/engine/codec.js';
import { ExpressionOperator } from '../../src/engine/operators/expression-operator.js';
import { ReduceByKeyOperator } from '../../src/engine/operators/reduce-by-key.js';
import { NdjsonWriter } from '../../src/engine/ndjson-writer.js';
import { Harness, T0 } from '../window/harness.js';
import { withFastPaths } from '../helpers/fast-paths.js';

// A flat map `r.F.split("c")` runs without building the array (src/engine/fast/field-split.ts).
// It must give exactly what evaluating the expression gives.

test('fieldSplitOf recognises r.F.split with a one-character literal, from a parse', () => {
  withFastPaths(true, () => {
    assert.deepEqual(fieldSplitOf('r.value.split(" ")'), { field: 'value', separator: ' ' });
    assert.deepEqual(fieldSplitOf(" r.line.split( ',' ) "), { field: 'line', separator: ',' });
    assert.deepEqual(fieldSplitOf('r.$x.split("\t")'), { field: '$x', separator: '\t' });
    assert.deepEqual(fieldSplitOf("(r['value']).split(' ') // words"), { field: 'value', separator: ' ' });
    assert.deepEqual(fieldSplitOf('r.value.split("\\\\")'), { field: 'value', separator: '\\' });
    for (const other of ['r.value.split("ab")', 'r.value.split(" ").map((w) => w)', 'r.value.split("😀")', 'x.value.split(" ")', 'r.value.split(/ /)', 'r.value.split(" ", 2)', 'r.a.b.split(" ")', 'r.value.split("")', 'r.value?.split(" ")', 'r[k].split(" ")', 'r.value.split(s)']) {
      assert.equal(fieldSplitOf(other), undefined, other);
    }
  });
  assert.equal(withFastPaths(false, () => fieldSplitOf('r.value.split(" ")')), undefined);
});

const text = fc.oneof(fc.string({ maxLength: 12 }), fc.fullUnicodeString({ maxLength: 6 }), fc.stringOf(fc.constantFrom('a', ' ', ',', '"', '\\', '\n', 'é', '\ud800'), { maxLength: 10 }));
const separator = fc.constantFrom(' ', ',', 'a', '\t', 'é');

test('pieces and {"value"} lines are those of String.prototype.split and JSON.stringify', () => {
  fc.assert(
    fc.property(text, separator, (s, sep) => {
      const pieces: string[] = [];
      forEachPiece(s, sep, (str, from, to) => (to - from) % 2 === 0 && pieces.push(str.slice(from, to)) > 0, (p) => pieces.push(p));
      assert.deepEqual(pieces, s.split(sep));
      const lines = pieceValueLines(s, sep, isPlainJsonString);
      if (lines === undefined) assert.ok(!isPlainJsonString(s));
      else {
        assert.equal(lines.text, s.split(sep).map((p) => JSON.stringify({ value: p })).join('\n'));
        assert.equal(lines.count, s.split(sep).length);
      }
    }),
    { numRuns: 3000 },
  );
});

const record = fc.oneof(
  { weight: 6, arbitrary: text.map((value) => ({ value })) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>({}, { value: 7 }, { value: null }, { value: ['a b'] }, 'a b', null, 3) },
);

/** Output of a flat map into the writer and into reduce-by-key value --count, for an expression. */
async function outputs(expr: string, records: unknown[]): Promise<string[]> {
  const h = new Harness();
  const out = new PassThrough();
  let written = '';
  out.on('data', (c: Buffer) => (written += c.toString('utf8')));
  const writer = new NdjsonWriter(out, { dataOnly: true });
  const toWriter = new ExpressionOperator('flat', expr, writer, h.ctx);
  const r = new Harness();
  const reduce = new ReduceByKeyOperator({ key: { fields: ['value'] }, aggregates: [{ kind: 'count' }] }, r, r.ctx);
  const toReduce = new ExpressionOperator('flat', expr, reduce, r.ctx);
  for (const rec of records) {
    toWriter.data(rec, undefined);
    toReduce.data(rec, undefined);
  }
  await reduce.control({ type: 'batch', id: 0, start: T0, end: T0 + 1000 });
  await writer.finish();
  // Error messages quote the expression: name both forms alike.
  return [written, `records out ${writer.recordsOut}`, ...h.warnings, h.ctx.errors.summary() ?? '', ...r.lines, ...r.warnings, r.ctx.errors.summary() ?? ''].map((line) => line.replaceAll(expr, 'EXPR'));
}

test('the recognised split gives what evaluating the expression gives, into the writer and into the count lane', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(record, { maxLength: 12 }), async (records) => {
      const expr = 'r.value.split(" ")';
      assert.deepEqual(await withFastPaths(true, () => outputs(expr, records)), await withFastPaths(false, () => outputs(expr, records)));
    }),
    { numRuns: 400 },
  );
});
