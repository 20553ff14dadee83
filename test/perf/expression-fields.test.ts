import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fieldsOfExpression, unionFields } from '../../src/engine/fast/expression-fields.js';

test('fieldsOfExpression: plain property reads of r', () => {
  assert.deepEqual(fieldsOfExpression('r.word.length > 3'), ['word']);
  assert.deepEqual(fieldsOfExpression('r.value.split(" ")'), ['value']);
  assert.deepEqual(fieldsOfExpression('({n: r.n * 10, s: r.s, n2: r.n})'), ['n', 's']);
  assert.deepEqual(fieldsOfExpression('x.r + 1'), []);
  assert.deepEqual(fieldsOfExpression('[1].map((q) => q.r)'), []);
});

test('fieldsOfExpression: any other use of r needs the whole record', () => {
  for (const expr of [
    'r',
    '({...r, x: 1})',
    'Object.keys(r).length',
    'r["word"]',
    'r?.word',
    'JSON.stringify(r)',
    "r.word === 'r'",
    'r .word',
    'eval("\\x72").word',
    'arguments[0].word',
    'new Function("return 1")() && r.a',
    '`${r}`',
    '\\u0072.word',
  ]) {
    assert.equal(fieldsOfExpression(expr), undefined, expr);
  }
});

test('unionFields: undefined wins', () => {
  assert.deepEqual(unionFields(['a'], ['b', 'a']), ['a', 'b']);
  assert.equal(unionFields(['a'], undefined), undefined);
  assert.equal(unionFields(undefined, []), undefined);
});
