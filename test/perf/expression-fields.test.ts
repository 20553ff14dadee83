import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fieldsOfExpression as fieldsWhenOn, unionFields } from '../../src/engine/fast/expression-fields.js';
import { withFastPaths } from '../helpers/fast-paths.js';

const fieldsOfExpression = (expr: string) => withFastPaths(true, () => fieldsWhenOn(expr));

test('fieldsOfExpression: field reads of r, found by parsing', () => {
  assert.deepEqual(fieldsOfExpression('r.word.length > 3'), ['word']);
  assert.deepEqual(fieldsOfExpression('r.value.split(" ")'), ['value']);
  assert.deepEqual(fieldsOfExpression('({n: r.n * 10, s: r.s, n2: r.n})'), ['n', 's']);
  assert.deepEqual(fieldsOfExpression('x.r + 1'), []);
  assert.deepEqual(fieldsOfExpression('({r: 1}).r'), []);
  assert.deepEqual(fieldsOfExpression('r["a b"] + r[0] + r?.c'), ['a b', '0', 'c']);
  assert.deepEqual(fieldsOfExpression('r .word /* r */ + "r"'), ['word']);
  assert.deepEqual(fieldsOfExpression('r.status >= 400 && r.path.startsWith("/p/1")'), ['status', 'path']);
  assert.deepEqual(fieldsOfExpression('r.tags?.map((t) => t.toUpperCase())'), ['tags']);
  assert.deepEqual(fieldsOfExpression('\\u0072.word'), ['word']);
});

test('fieldsOfExpression: wherever the record can escape, the whole record is needed', () => {
  for (const expr of [
    'r',
    'r.hasOwnProperty("b")', // issue 11.12
    'r.valueOf()', // issue 11.12
    'r.toString()',
    'r?.valueOf()',
    '(r.valueOf)()',
    'r.propertyIsEnumerable`b`',
    '({...r, x: 1})',
    '{r}',
    'Object.keys(r).length',
    'typeof r',
    'r[k]',
    'r["a" + "b"]',
    'r[1.5]',
    'JSON.stringify(r)',
    '`${r}`',
    'this.r',
    'eval("r").word',
    'arguments[0].word',
    '(function g() { return g.caller; })()',
    'f["cal" + "ler"] || "callee"',
    '(r.x = 1, r.y)',
    '(r = {}, r.y)',
    'r.n++',
    'delete r.x',
    '([r.x] = [1])',
    '({a: r.x} = {a: 1})',
    '[1].map((r) => r.x)',
    '(() => { let r = 1; return r; })()',
    '1); r; (2',
    'r.',
  ]) {
    assert.equal(fieldsOfExpression(expr), undefined, expr);
  }
});

test('SLUICE_FAST=0: no fields are inferred', () => {
  assert.equal(withFastPaths(false, () => fieldsWhenOn('r.a')), undefined);
});

test('unionFields: undefined wins', () => {
  assert.deepEqual(unionFields(['a'], ['b', 'a']), ['a', 'b']);
  assert.equal(unionFields(['a'], undefined), undefined);
  assert.equal(unionFields(undefined, []), undefined);
});
