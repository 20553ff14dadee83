import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inferNumber } from '../../src/engine/csv.js';
import { records, sh } from '../helpers/run.js';

// Issue 13.8: CSV fields were always strings, so --sum on a CSV column failed.
const CSV = 'n,id,quoted,code\n1,007,"5",12345678901234567890\n2.5,10,x,-0.5e2\n';

test('source --format csv infers numbers written as numbers; 007, quoted fields and long ids stay strings', async () => {
  const r = await sh('sluice source --format csv --data-only', { input: CSV });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(records(r.stdout), [
    { n: 1, id: '007', quoted: '5', code: '12345678901234567890' },
    { n: 2.5, id: 10, quoted: 'x', code: -50 },
  ]);
  const sum = await sh('sluice source --format csv | sluice reduce-by-key --sum n | sluice sink', { input: CSV });
  assert.equal(sum.code, 0, sum.stderr);
  assert.equal(records(sum.stdout)[0]!['sum_n'], 3.5);
});

test('--infer-none keeps every field a string, and the aggregate says how to convert', async () => {
  const r = await sh('sluice source --format csv --infer-none --data-only', { input: CSV });
  assert.deepEqual(records(r.stdout)[0], { n: '1', id: '007', quoted: '5', code: '12345678901234567890' });
  const sum = await sh('sluice source --format csv --infer-none | sluice reduce-by-key --sum n', { input: CSV });
  assert.equal(sum.code, 1);
  assert.match(sum.stderr, /sum_n: field 'n' is "1", not a number; to read it as a number, convert it upstream: sluice map '\(\{\.\.\.r, n: Number\(r\.n\)\}\)'/);
});

test('the inference rule: JSON number syntax, and no digit lost', () => {
  const numbers: [string, number][] = [['0', 0], ['12', 12], ['-3.5', -3.5], ['1e3', 1000], ['9007199254740991', 9007199254740991], ['0.125', 0.125], ['123456789012345', 123456789012345]];
  for (const [text, n] of numbers) assert.equal(inferNumber(text), n, text);
  for (const text of ['007', '+5', '.5', '5.', '', ' 1', '1 ', '0x10', 'NaN', 'Infinity', '1e400', '9007199254740993', '0.1234567890123456789', '1,5', '١']) {
    assert.equal(inferNumber(text), undefined, text);
  }
});
