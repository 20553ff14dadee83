import { test } from 'node:test';
import assert from 'node:assert/strict';
import { records, sh } from '../helpers/run.js';

const INPUT = '{"k":"x","n":5}\n{"k":"x","n":2}\n{"k":"y","n":1}\n';

function byKey(stdout: string): Record<string, unknown> {
  return Object.fromEntries(records(stdout).map((r) => [r['k'], r['reduce']]));
}

// Issue 13.11: `--reduce 'a + b.n'` gave "[object Object]5"; --init declares the accumulator's start, as Spark's fold does.
test("--reduce 'a + b.n' --init 0 folds numbers from 0, per key", async () => {
  const r = await sh(`sluice reduce-by-key k --reduce 'a + b.n' --init 0`, { input: INPUT });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(byKey(r.stdout), { x: 7, y: 1 });
});

test('each key folds into its own copy of an --init array', async () => {
  const r = await sh(`sluice reduce-by-key k --reduce '(a.push(b.n), a)' --init '[]'`, { input: INPUT });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(byKey(r.stdout), { x: [5, 2], y: [1] });
});

test('without --init, a and b are both records, as the help says', async () => {
  const r = await sh(`sluice reduce-by-key k --reduce '({n: a.n + b.n})'`, { input: INPUT });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(byKey(r.stdout), { x: { n: 7 }, y: { k: 'y', n: 1 } });
  const help = (await sh('sluice reduce-by-key --help')).stdout.replace(/\s+/g, ' ');
  assert.match(help, /a \(the accumulator: the key's first record, or the --init value\) and b \(the next record, a whole record: b\.n is its field n\)/);
  assert.match(help, /--init.*--reduce 'a \+ b\.n' --init 0/);
});

test('--init that is not JSON, or without its --reduce, is a usage error', async () => {
  const bad = await sh(`sluice reduce-by-key --reduce 'a + b.n' --init zero`, { input: INPUT });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--init 'zero' is not a JSON value/);
  const alone = await sh(`sluice reduce-by-key --count --init 0`, { input: INPUT });
  assert.equal(alone.code, 2);
  assert.match(alone.stderr, /give one --init per --reduce/);
});

test('several --reduce options each keep their own column, in order; a repeated aggregate is a usage error', async () => {
  const r = await sh(`sluice reduce-by-key k --reduce 'a + b.n' --init 0 --reduce 'a * b.n' --init 1 --reduce 'Math.max(a, b.n)' --init 0`, { input: INPUT });
  assert.equal(r.code, 0, r.stderr);
  const rows = Object.fromEntries(records(r.stdout).map((row) => [row['k'], [row['reduce'], row['reduce_2'], row['reduce_3']]]));
  assert.deepEqual(rows, { x: [7, 10, 5], y: [1, 1, 1] });
  const twice = await sh(`sluice reduce-by-key k --sum n --sum n`, { input: INPUT });
  assert.equal(twice.code, 2);
  assert.match(twice.stderr, /--sum n is given twice/);
});
