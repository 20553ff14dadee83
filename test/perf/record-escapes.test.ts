import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sh } from '../helpers/run.js';

// Issue 11.12: a method called on the record sees the whole record, so the
// stage must not hand the expression a record cut down to the fields it names.
const input = '{"a":1,"b":2}\n{"a":3}\n';

test('filter r.hasOwnProperty("b") keeps the records that have b (issue 11.12)', async () => {
  const res = await sh(`sluice filter 'r.hasOwnProperty("b")'`, { input });
  assert.equal(res.code, 0, res.stderr);
  assert.equal(res.stdout, '{"a":1,"b":2}\n');
});

test('map r.valueOf() gives the whole record (issue 11.12)', async () => {
  const res = await sh(`sluice map 'r.valueOf()'`, { input });
  assert.equal(res.code, 0, res.stderr);
  assert.equal(res.stdout, input);
});

test('map of a method of a field and a field of the record read both fields', async () => {
  const res = await sh(`sluice map '({s: r.b?.toString() ?? "none", n: r["a"]})'`, { input });
  assert.equal(res.code, 0, res.stderr);
  assert.equal(res.stdout, '{"s":"2","n":1}\n{"s":"none","n":3}\n');
});
