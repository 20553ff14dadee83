import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReduceByKeyOperator, type OutputMode } from '../../src/engine/operators/reduce-by-key.js';
import { Harness, T0, at, batch } from './harness.js';

const win = (s: number, size = 10) => ({ start: at(s), end: at(s + size) });

function reduceOp(h: Harness, mode: OutputMode, limits = { maxKeys: 0, maxBytes: 0 }) {
  return new ReduceByKeyOperator({ key: { fields: ['k'] }, aggregates: [{ kind: 'count' }], mode, limits }, h, h.ctx);
}

/** Two batches of windowed records; the watermark after batch 0 closes window [0,10). */
async function drive(op: ReduceByKeyOperator) {
  op.data({ k: 'a', window: win(0) }, undefined);
  op.data({ k: 'b', window: win(0) }, undefined);
  op.data({ k: 'a', window: win(10) }, undefined);
  await op.control({ type: 'watermark', t: T0 + 10_000 });
  await batch(op, 0);
  op.data({ k: 'a', window: win(0) }, undefined); // late: [0,10) closed
  op.data({ k: 'a', window: win(10) }, undefined);
  await op.control({ type: 'end' });
  await batch(op, 1);
  await op.control({ type: 'eos' });
}

const rowsOf = (h: Harness) => h.events.map((e) => ('data' in e ? `${(e.data['window'] as { start: string }).start.slice(17, 19)} ${e.data['k']}=${e.data['count']}` : e.control.type));

test('append: each (window, key) once, when the watermark passes its end, or at end of stream; late records dropped and counted', async () => {
  const h = new Harness();
  await drive(reduceOp(h, 'append'));
  assert.deepEqual(rowsOf(h), ['00 a=1', '00 b=1', 'watermark', 'batch', '10 a=2', 'end', 'batch', 'eos']);
  assert.match(h.warnings.join('\n'), /1 late record dropped/);
});

test('update: the rows that changed, at each batch; a closing window gets its final row with the watermark', async () => {
  const h = new Harness();
  await drive(reduceOp(h, 'update'));
  assert.deepEqual(rowsOf(h), ['00 a=1', '00 b=1', 'watermark', '10 a=1', 'batch', 'end', '10 a=2', 'batch', 'eos']);
});

test('complete: the whole table at each batch; nothing is evicted, so a record behind the watermark still counts', async () => {
  const h = new Harness();
  await drive(reduceOp(h, 'complete'));
  assert.deepEqual(rowsOf(h), ['watermark', '00 a=1', '00 b=1', '10 a=1', 'batch', 'end', '00 a=2', '00 b=1', '10 a=2', 'batch', 'eos']);
});

test('batch: each batch its own result per (window, key)', async () => {
  const h = new Harness();
  await drive(reduceOp(h, 'batch'));
  assert.deepEqual(rowsOf(h), ['watermark', '00 a=1', '00 b=1', '10 a=1', 'batch', 'end', '00 a=1', '10 a=1', 'batch', 'eos']);
});

test('without windows, update and complete are running totals since the stream started (updateStateByKey)', async () => {
  for (const mode of ['update', 'complete'] as const) {
    const h = new Harness();
    const op = reduceOp(h, mode);
    op.data({ k: 'a' }, undefined);
    op.data({ k: 'b' }, undefined);
    await batch(op, 0);
    op.data({ k: 'a' }, undefined);
    await batch(op, 1);
    const rows = h.rows.map((r) => `${r['k']}=${r['count']} ${(r['window'] as { start: string; end: string }).start}-${(r['window'] as { end: string }).end}`);
    const second = mode === 'update' ? ['a=2'] : ['a=2', 'b=1'];
    assert.deepEqual(rows, [`a=1 ${at(0)}-${at(1)}`, `b=1 ${at(0)}-${at(1)}`, ...second.map((s) => `${s} ${at(0)}-${at(2)}`)], mode);
  }
});

test('a "window" field that is not {start, end} times is plain data', async () => {
  const h = new Harness();
  const op = reduceOp(h, 'batch');
  op.data({ k: 'a', window: 'kitchen' }, undefined);
  op.data({ k: 'a', window: { start: 'x', end: 'y' } }, undefined);
  await batch(op, 0);
  assert.deepEqual(h.rows, [{ window: { start: at(0), end: at(1) }, k: 'a', count: 2 }]);
});

test('__proto__ and constructor are ordinary keys and key names', async () => {
  const h = new Harness();
  const op = new ReduceByKeyOperator({ key: { fields: ['__proto__'] }, aggregates: [{ kind: 'count' }], mode: 'append' }, h, h.ctx);
  for (const k of ['__proto__', 'constructor', '__proto__']) op.data(JSON.parse(`{"__proto__":"${k}","window":${JSON.stringify(win(0))}}`), undefined);
  await op.control({ type: 'end' });
  await op.control({ type: 'eos' });
  assert.deepEqual(h.rows.map((r) => JSON.stringify(r)), [
    `{"window":${JSON.stringify(win(0))},"__proto__":"__proto__","count":2}`,
    `{"window":${JSON.stringify(win(0))},"__proto__":"constructor","count":1}`,
  ]);
});

test('--max-keys and --max-state-bytes: a clear error naming the limit; eviction keeps a bounded stream under it', async () => {
  const h = new Harness();
  const op = reduceOp(h, 'append', { maxKeys: 100, maxBytes: 0 });
  assert.throws(() => {
    for (let i = 0; i < 1000; i++) op.data({ k: `k${i}`, window: win(0) }, undefined);
  }, /state limit reached: more than --max-keys 100 keys/);

  const h2 = new Harness();
  const op2 = reduceOp(h2, 'append', { maxKeys: 100, maxBytes: 0 });
  for (let w = 0; w < 50; w++) {
    for (let i = 0; i < 80; i++) op2.data({ k: `k${i}`, window: win(w * 10) }, undefined);
    await op2.control({ type: 'watermark', t: T0 + (w + 1) * 10_000 });
  }
  assert.equal(h2.rows.length, 50 * 80);

  const h3 = new Harness();
  const op3 = new ReduceByKeyOperator({ key: { fields: [] }, aggregates: [{ kind: 'collect', field: 'v' }], mode: 'update', limits: { maxKeys: 0, maxBytes: 100_000 } }, h3, h3.ctx);
  assert.throws(() => {
    for (let i = 0; i < 10_000; i++) op3.data({ v: 'x'.repeat(100) }, undefined);
  }, /--max-state-bytes 100000/);
});

test('snapshot and restore: the same rows as an uninterrupted run; a snapshot of other aggregates is refused', async () => {
  const whole = new Harness();
  await drive(reduceOp(whole, 'append'));
  const split = new Harness();
  const first = reduceOp(split, 'append');
  first.data({ k: 'a', window: win(0) }, undefined);
  first.data({ k: 'b', window: win(0) }, undefined);
  first.data({ k: 'a', window: win(10) }, undefined);
  const state = JSON.parse(JSON.stringify(first.snapshot()));
  const second = reduceOp(split, 'append');
  second.restore(state);
  await second.control({ type: 'watermark', t: T0 + 10_000 });
  await batch(second, 0);
  second.data({ k: 'a', window: win(0) }, undefined);
  second.data({ k: 'a', window: win(10) }, undefined);
  await second.control({ type: 'end' });
  await batch(second, 1);
  await second.control({ type: 'eos' });
  assert.deepEqual(split.lines, whole.lines);
  const other = new ReduceByKeyOperator({ key: { fields: ['k'] }, aggregates: [{ kind: 'sum', field: 'x' }], mode: 'append' }, split, split.ctx);
  assert.throws(() => other.restore(state), /made with --mode append and aggregates count/);
});
