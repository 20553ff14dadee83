// Issue 11.16: the numeric promises of reduce-by-key's aggregates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildAggregate, type AggregateSpec } from '../../src/engine/aggregates.js';
import { records, sh } from '../helpers/run.js';

/** Runs one aggregate over the values of field n, added one by one (or split in two halves and merged). */
function aggregate(spec: AggregateSpec, values: unknown[], how: 'add' | 'merge' = 'add'): unknown {
  const a = buildAggregate(spec);
  const acc = a.init();
  if (how === 'add') {
    for (const v of values) assert.equal(a.add(acc, { n: v }), undefined);
  } else {
    const half = a.init();
    values.forEach((v, i) => assert.equal(a.add(i % 2 === 0 ? acc : half, { n: v }), undefined));
    a.merge(acc, half);
  }
  return a.result(acc);
}

test('issue 11.16: sum, avg, min and max over values that are all null or missing are null (SQL), not 0', () => {
  for (const kind of ['sum', 'avg', 'min', 'max'] as const) {
    assert.equal(aggregate({ kind, field: 'n' }, [null, undefined, null]), null, kind);
    assert.equal(aggregate({ kind, field: 'n' }, [null, null], 'merge'), null, `${kind} merged`);
  }
  // One number among nulls is the result; 0 is a real sum.
  assert.equal(aggregate({ kind: 'sum', field: 'n' }, [null, 0, null]), 0);
  assert.equal(aggregate({ kind: 'sum', field: 'n' }, [null, 5]), 5);
});

test('issue 11.16: sum and avg use compensated (Neumaier) summation: 1e16 + 1 + 1 - 1e16 is 2', () => {
  assert.equal(aggregate({ kind: 'sum', field: 'n' }, [1e16, 1, 1, -1e16]), 2);
  assert.equal(aggregate({ kind: 'avg', field: 'n' }, [1e16, 1, 1, -1e16]), 0.5);
  // Merged partial sums (sliding windows, restored state) keep their compensation.
  assert.equal(aggregate({ kind: 'sum', field: 'n' }, [1e16, 1, -1e16, 1], 'merge'), 2);
  // 0.1 ten times is 1 exactly with compensation (naive summation gives 0.9999999999999999).
  assert.equal(aggregate({ kind: 'sum', field: 'n' }, Array(10).fill(0.1)), 1);
  // An overflowing sum stays infinite (reported and written as null by the stage), never NaN.
  assert.equal(aggregate({ kind: 'sum', field: 'n' }, [1e308, 1e308]), Infinity);
  assert.equal(aggregate({ kind: 'sum', field: 'n' }, [-1e308, -1e308, 1]), -Infinity);
});

test('issue 11.16: the real stage: all-null sum is null; 1e16, 1, 1, -1e16 sums to 2', async () => {
  const input = ['{"k":"a","n":null}', '{"k":"a"}', '{"k":"b","n":1e16}', '{"k":"b","n":1}', '{"k":"b","n":1}', '{"k":"b","n":-1e16}'].join('\n') + '\n';
  const r = await sh(`sluice reduce-by-key k --count --sum n --avg n --min n --max n`, { input });
  assert.equal(r.code, 0, r.stderr);
  // ±1e16 are beyond 2^53-1: min and max (not the exact sum 2) are warned about, once.
  assert.match(r.stderr, /^sluice reduce-by-key: output: aggregate min_n, max_n for key \["b"\] is an integer beyond 2\^53-1[^\n]*\n$/);
  const rows = records(r.stdout).map(({ window: _w, ...row }) => row);
  assert.deepEqual(rows, [
    { k: 'a', count: 2, sum_n: null, min_n: null, max_n: null, avg_n: null },
    { k: 'b', count: 4, sum_n: 2, min_n: -1e16, max_n: 1e16, avg_n: 0.5 },
  ]);
});

test('issue 11.16: min/max of 2^53-1 and -(2^53-1) give no warning; a value beyond the safe range warns once', async () => {
  const safe = await sh(`sluice reduce-by-key k --min n --max n`, { input: '{"k":1,"n":9007199254740991}\n{"k":1,"n":-9007199254740991}\n' });
  assert.equal(safe.code, 0, safe.stderr);
  assert.equal(safe.stderr, '');
  assert.deepEqual(records(safe.stdout).map((r) => [r['min_n'], r['max_n']]), [[-9007199254740991, 9007199254740991]]);
  const beyond = await sh(`sluice reduce-by-key k --max n`, { input: '{"k":1,"n":9007199254740993}\n{"k":2,"n":9007199254740995}\n' });
  assert.equal(beyond.code, 0, beyond.stderr);
  const warnings = beyond.stderr.split('\n').filter(Boolean);
  assert.equal(warnings.length, 1, beyond.stderr);
  assert.match(warnings[0]!, /max_n .*beyond 2\^53-1/);
});

test('issue 11.16: integer keys beyond 2^53-1 that JSON reading merges are warned about once, naming the key field', async () => {
  // 9007199254740993 and 9007199254740992 are one double: the reader cannot tell them apart.
  const r = await sh(`sluice reduce-by-key id --count`, { input: '{"id":9007199254740992}\n{"id":9007199254740993}\n{"id":12}\n{"id":9007199254740995}\n' });
  assert.equal(r.code, 0, r.stderr);
  const warnings = r.stderr.split('\n').filter(Boolean);
  assert.equal(warnings.length, 1, r.stderr);
  assert.match(warnings[0]!, /^sluice reduce-by-key: .*key field 'id' .*beyond 2\^53-1.*strings/);
  // Safe integer keys warn nothing.
  const safe = await sh(`sluice reduce-by-key id --count`, { input: '{"id":9007199254740991}\n{"id":-9007199254740991}\n' });
  assert.equal(safe.stderr, '');
  assert.equal(records(safe.stdout).length, 2);
});
