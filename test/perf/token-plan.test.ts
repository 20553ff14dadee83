import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { forEachPiece, planPieces } from '../../src/engine/fast/field-split.js';
import { tokenPlanOf } from '../../src/engine/fast/token-plan.js';
import { compileExpression } from '../../src/engine/expression.js';
import { ExpressionOperator } from '../../src/engine/operators/expression-operator.js';
import { ReduceByKeyOperator } from '../../src/engine/operators/reduce-by-key.js';
import { NdjsonWriter } from '../../src/engine/ndjson-writer.js';
import { Harness, T0 } from '../window/harness.js';
import { withFastPaths } from '../helpers/fast-paths.js';
import { probeText, tokenisation } from './tokenisations.js';

// A flat map that tokenises a field runs as a plan (src/engine/fast/token-plan.ts,
// field-split.ts) without the arrays. It must give exactly what evaluating the expression gives.

const planned = (expr: string) => withFastPaths(true, () => tokenPlanOf(expr));

test('the token plan is recognised from a parse of the expression, in the spellings people use', () => {
  const lower = planned('r.value.toLowerCase().split(/\\s+/).filter((w) => w !== "")');
  assert.equal(lower?.field, 'value');
  assert.equal(lower?.caseMap, 'lower');
  assert.equal(lower?.runs, true);
  assert.equal(lower?.minLength, 1);
  assert.equal(lower?.units?.has(0x3000), true);
  assert.equal(lower?.units?.has(0x41), false);
  assert.deepEqual(planned('r.value.split(" ")'), { field: 'value', caseMap: undefined, minLength: 0, text: ' ', units: undefined, runs: false });
  assert.deepEqual(planned("(r['line']).toUpperCase().split(', ') // words"), { field: 'line', caseMap: 'upper', minLength: 0, text: ', ', units: undefined, runs: false });
  for (const yes of [
    'r.text.split(/[ \\t,]+/).filter(Boolean)',
    'r.t.split(/\\W+/i).filter(function (w) { return w.length !== 0; })',
    'r.t.split(/\\s/).filter(w => w != "")',
    'r.t.split(/\\u00a0+/).filter((w) => w.length >= 1)',
    'r.t.split(/./s).filter((w) => 0 < w.length)',
    'r.t.toLowerCase().split(/[^a-zà-ÿ]+/).filter((w) => !!w)',
  ]) assert.notEqual(planned(yes), undefined, yes);
  for (const no of [
    'r.value.split("")', 'r.value.split(/(\\s)/)', 'r.value.split(/\\s*/)', 'r.value.split(/\\s+?/)', 'r.value.split(/\\s+/u)', 'r.value.split(/a|b/)',
    'r.value.split(/\\b/)', 'r.value.split(/\\1/)', 'r.value.split(/[/)', 'r.value.split(" ", 2)', 'r.value.split(s)', 'r.value?.split(" ")',
    'r.value.toLocaleLowerCase().split(" ")', 'r.value.toLowerCase("x").split(" ")', 'r.a.b.split(" ")', 'x.value.split(" ")', 'r[k].split(" ")',
    'r.value.split(" ").filter((w) => w !== " ")', 'r.value.split(" ").filter((w, i) => w)', 'r.value.split(" ").filter((w) => w, r)',
    'r.value.split(" ").filter(async (w) => w)', 'r.value.split(" ").filter((Boolean) => Boolean(Boolean))', 'r.value.split(" ").filter((w) => w.length > 1.5)',
    'r.value.split(" ").filter((w) => w != 0)', 'r.value.split(" ").map((w) => w)', 'r.value.trim().split(" ")',
  ]) assert.equal(planned(no), undefined, no);
  assert.equal(withFastPaths(false, () => tokenPlanOf('r.value.split(" ")')), undefined);
});

test('a filter of the longer pieces (`w.length > 3`) is planned: pieces shorter than the bound are dropped', () => {
  const long = planned('r.value.split(" ").filter(w => w.length > 3)');
  assert.equal(long?.minLength, 4);
  assert.ok(long!.minLength >= 1, 'the empty pieces are dropped too');
  assert.deepEqual(planPieces(long!, 'a bb ccc dddd eeeee  ffff'), ['dddd', 'eeeee', 'ffff']);
  assert.equal(planned('r.v.split(/\\W+/).filter(function (w) { return 2 <= w.length; })')?.minLength, 2);
  assert.equal(planned('r.v.split(/\\W+/).filter((w) => 0 < w.length)')?.minLength, 1);
  assert.equal(planned('r.v.split(/\\W+/).filter((w) => w.length >= 0)')?.minLength, 0);
  assert.equal(planned('r.v.split(/\\W+/).filter((w) => w.length >= 0)')?.minLength, 0, 'the empty pieces are kept');
  for (const no of ['r.v.split(" ").filter((w) => w.length > -1)', 'r.v.split(" ").filter((w) => w.length < 3)', 'r.v.split(" ").filter((w) => w.length > 3n)', 'r.v.split(" ").filter((w) => w.length === 3)', 'r.v.split(" ").filter((w) => x.length > 3)', 'r.v.split(" ").filter((w) => w.size > 3)', 'r.v.split(" ").filter((w) => w.length > "3")']) assert.equal(planned(no), undefined, no);
});

test('a match of one atom repeated (`r.F.match(/[a-z]+/g) ?? []`) is planned as the split at the other units', () => {
  const words = planned('r.value.toLowerCase().match(/[a-z]+/g) ?? []');
  assert.equal(words?.field, 'value');
  assert.equal(words?.caseMap, 'lower');
  assert.equal(words?.runs, true);
  assert.equal(words?.minLength, 1);
  assert.equal(words?.units?.has(0x61), false);
  assert.equal(words?.units?.has(0x20), true);
  assert.equal(words?.units?.has(0xe9), true);
  assert.deepEqual(planPieces(words!, '  Hé, wörld--x '), ['h', 'w', 'rld', 'x']);
  for (const yes of ['r.t.match(/\\w+/g) || []', 'r.t.match(/\\S+/g) ?? []', 'r.t.toUpperCase().match(/[A-Z]+/gi) ?? []', '(r.t.match(/[^,]+/gm) ?? [])']) assert.notEqual(planned(yes), undefined, yes);
  for (const no of [
    'r.t.match(/\\w+/g)', 'r.t.match(/\\w+/) ?? []', 'r.t.match(/\\w/g) ?? []', 'r.t.match(/\\w+/gy) ?? []', 'r.t.match(/\\w*/g) ?? []', 'r.t.match(/\\w+/gu) ?? []',
    'r.t.match(/(\\w)+/g) ?? []', 'r.t.match(/\\w+/g) ?? [""]', 'r.t.match(/\\w+/g) && []', 'r.t.match("a", "g") ?? []', 'r.t.match(/\\w+/g).filter(Boolean) ?? []',
    'r.t.matchAll(/\\w+/g) ?? []', 'r.t.split(/\\W+/).match(/\\w+/g) ?? []',
  ]) assert.equal(planned(no), undefined, no);
});

test('a plan gives the pieces String.prototype.split and the filter give, on any text', () => {
  fc.assert(
    fc.property(tokenisation, probeText, (expr, text) => {
      const plan = planned(expr);
      if (plan === undefined) return;
      const fn = compileExpression<(r: unknown) => unknown>(expr, ['r'], 'test');
      assert.deepEqual(planPieces(plan, text), fn({ value: text, line: text }), expr);
    }),
    { numRuns: 5000 },
  );
});

test('pieces declined by the consumer come back as strings, in order', () => {
  const plan = planned('r.v.split(/,+/)')!;
  const out: string[] = [];
  forEachPiece(plan, ',ab,,c,dd,', (s, from, to) => (to - from) % 2 === 0 && out.push(`[${s.slice(from, to)}]`) > 0, (p) => out.push(p));
  assert.deepEqual(out, ['[]', '[ab]', 'c', '[dd]', '[]']);
});

const record = fc.oneof(
  { weight: 6, arbitrary: probeText.map((value) => ({ value, line: value })) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>({}, { value: 7 }, { value: null }, { value: ['a b'] }, 'a b', null, 3, { value: '\u0000a b' }) },
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

test('a planned tokenisation gives what evaluating the expression gives, into the writer and into the count lane', async () => {
  await fc.assert(
    fc.asyncProperty(tokenisation, fc.array(record, { maxLength: 10 }), async (expr, records) => {
      assert.deepEqual(await withFastPaths(true, () => outputs(expr, records)), await withFastPaths(false, () => outputs(expr, records)));
    }),
    { numRuns: 600 },
  );
});
