import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WindowOperator, type WindowOptions } from '../../src/engine/operators/window.js';
import { Harness, T0, at, batch, feed } from './harness.js';

function windowOp(h: Harness, o: Partial<WindowOptions> = {}) {
  return new WindowOperator(
    {
      shape: { kind: 'fixed', size: 10_000 },
      timeField: 'ts',
      watermarkDelay: 5_000,
      maxSkew: 3_600_000,
      late: { kind: 'drop' },
      limits: { maxKeys: 0, maxBytes: 0 },
      ...o,
    },
    h,
    h.ctx,
  );
}

test('event time: out-of-order records within the delay all get their window; the watermark goes downstream before the batch boundary', async () => {
  const h = new Harness();
  const op = windowOp(h);
  for (const s of [3, 1, 12, 8, 14]) feed(op, { ts: at(s), k: 'a' });
  await batch(op, 0);
  assert.deepEqual(
    h.rows.map((r) => [r['ts'], (r['window'] as { start: string }).start]),
    [[at(3), at(0)], [at(1), at(0)], [at(12), at(10)], [at(8), at(0)], [at(14), at(10)]],
  );
  assert.deepEqual(h.controls, [
    { type: 'watermark', t: T0 + 9_000 },
    { type: 'batch', id: 0, start: T0, end: T0 + 1000 },
  ]);
  // The output line is the input text plus the window, not a re-serialisation.
  assert.equal(h.lines[0], `{"ts":"${at(3)}","k":"a","window":{"start":"${at(0)}","end":"${at(10)}"}}`);
});

test('late data: a record whose window the watermark closed is dropped and counted, even inside one batch', async () => {
  const h = new Harness();
  const op = windowOp(h);
  feed(op, { ts: at(30) }); // watermark 25: window [0,10) and [10,20) closed
  feed(op, { ts: at(9) });
  feed(op, { ts: at(21) }); // window [20,30) still open
  await batch(op, 0);
  await op.control({ type: 'end' });
  await op.control({ type: 'eos' });
  assert.deepEqual(h.rows.map((r) => r['ts']), [at(30), at(21)]);
  assert.match(h.warnings.join('\n'), /1 late record .* dropped/);
});

test('late data: --late emit passes it on flagged; --late FILE appends the raw line', async () => {
  const h = new Harness();
  const op = windowOp(h, { late: { kind: 'emit' } });
  feed(op, { ts: at(30) });
  feed(op, { ts: at(9) });
  assert.deepEqual(h.rows[1], { ts: at(9), window: { start: at(0), end: at(10) }, late: true });
  assert.equal(h.lines[1], `{"ts":"${at(9)}","window":{"start":"${at(0)}","end":"${at(10)}"},"late":true}`);

  const file = join(mkdtempSync(join(tmpdir(), 'sluice-late-')), 'late.ndjson');
  const h2 = new Harness();
  const op2 = windowOp(h2, { late: { kind: 'file', file } });
  feed(op2, { ts: at(30) });
  op2.data({ ts: at(9), x: 1 }, `{"ts":"${at(9)}",  "x":1}`);
  await batch(op2, 0);
  assert.equal(readFileSync(file, 'utf8'), `{"ts":"${at(9)}",  "x":1}\n`);
  assert.equal(h2.rows.length, 1);
});

test('sliding windows: a record is emitted once per open window; copies for closed windows follow the late policy', async () => {
  const h = new Harness();
  const op = windowOp(h, { shape: { kind: 'fixed', size: 10_000, slide: 5_000 }, late: { kind: 'emit' } });
  feed(op, { ts: at(7) });
  feed(op, { ts: at(17) }); // watermark 12: [0,10) closed, [5,15) open
  feed(op, { ts: at(8) });
  const windows = h.rows.map((r) => `${r['ts']} ${(r['window'] as { start: string }).start}${r['late'] ? ' late' : ''}`);
  assert.deepEqual(windows, [`${at(7)} ${at(0)}`, `${at(7)} ${at(5)}`, `${at(17)} ${at(10)}`, `${at(17)} ${at(15)}`, `${at(8)} ${at(5)}`, `${at(8)} ${at(0)} late`]);
});

test('unparseable and far-future event times are bad records; a far-future time does not move the watermark', async () => {
  const h = new Harness({ now: T0 + 60_000 });
  const op = windowOp(h, { maxSkew: 3_600_000 });
  feed(op, { ts: 'not a time' });
  feed(op, { ts: 1767225600 });
  feed(op, { k: 'no ts' });
  feed(op, { ts: at(3 * 3600) }); // 3 hours ahead of the clock
  feed(op, { ts: at(20) });
  feed(op, { ts: at(16) }); // not late: the watermark is 15, not 3h - 5s
  await batch(op, 0);
  assert.deepEqual(h.rows.map((r) => r['ts']), [at(20), at(16)]);
  assert.equal(h.ctx.errors.count, 4);
  assert.match(h.warnings.join('\n'), /not an ISO-8601 time/);
  assert.match(h.warnings.join('\n'), /--time-unit/);
  assert.match(h.warnings.join('\n'), /more than --max-skew 1h ahead of the clock/);
  assert.deepEqual(h.controls[0], { type: 'watermark', t: T0 + 15_000 });
});

test('with --on-error fail an unparseable time stops the stage', () => {
  const h = new Harness({ onError: { kind: 'fail' } });
  const op = windowOp(h);
  assert.throws(() => feed(op, { ts: 'garbage' }), /time field 'ts' is "garbage"/);
});

test('processing time: a record gets the start of its batch; records before the first boundary wait for it; watermark = batch end', async () => {
  const h = new Harness();
  const op = windowOp(h, { timeField: undefined, shape: { kind: 'fixed', size: 2_000 } });
  feed(op, { n: 1 });
  assert.equal(h.rows.length, 0, 'held until the first boundary tells its time');
  await batch(op, 0, T0 + 1_000, T0 + 2_000);
  feed(op, { n: 2 }); // arrives in the batch starting at T0+2s
  await batch(op, 1, T0 + 2_000, T0 + 3_000);
  op.data(42, '42');
  await batch(op, 2, T0 + 3_000, T0 + 4_000);
  assert.deepEqual(h.rows, [
    { n: 1, window: { start: at(0), end: at(2) } },
    { n: 2, window: { start: at(2), end: at(4) } },
    { value: 42, window: { start: at(2), end: at(4) } },
  ]);
  assert.equal(h.lines.find((l) => l.startsWith('{"value"')), `{"value":42,"window":{"start":"${at(2)}","end":"${at(4)}"}}`);
  assert.deepEqual(
    h.controls.filter((c) => c.type === 'watermark'),
    [2, 3, 4].map((s) => ({ type: 'watermark', t: T0 + s * 1000 })),
  );
});

test('session windows per key: records are held until the watermark passes the session end', async () => {
  const h = new Harness();
  const op = windowOp(h, { shape: { kind: 'session', gap: 5_000, keyFields: ['user'] }, watermarkDelay: 0 });
  feed(op, { ts: at(0), user: 'a' });
  feed(op, { ts: at(3), user: 'a' });
  feed(op, { ts: at(1), user: '__proto__' });
  feed(op, { ts: at(20), user: 'b' });
  assert.equal(h.rows.length, 0);
  await batch(op, 0);
  const w = (r: Record<string, unknown>) => `${r['user']} ${(r['window'] as { start: string; end: string }).start}-${(r['window'] as { end: string }).end}`;
  assert.deepEqual(h.rows.map(w), [`__proto__ ${at(1)}-${at(6)}`, `a ${at(0)}-${at(8)}`, `a ${at(0)}-${at(8)}`]);
  await op.control({ type: 'end' });
  await op.control({ type: 'eos' });
  assert.deepEqual(h.rows.slice(3).map(w), [`b ${at(20)}-${at(25)}`]);
});

test('--max-state-bytes stops a session window that holds too much, with a message naming the limit', () => {
  const h = new Harness();
  const op = windowOp(h, { shape: { kind: 'session', gap: 60_000, keyFields: [] }, limits: { maxKeys: 0, maxBytes: 10_000 } });
  assert.throws(() => {
    for (let i = 0; i < 1000; i++) feed(op, { ts: at(i), pad: 'x'.repeat(20) });
  }, /--max-state-bytes 10000/);
});

test('snapshot and restore continue exactly where the operator stopped', async () => {
  const input = [3, 1, 12, 8, 14, 2, 25, 40, 33].map((s) => ({ ts: at(s), k: s % 2 ? 'a' : 'b' }));
  const shape = { kind: 'session' as const, gap: 4_000, keyFields: ['k'] };
  const whole = new Harness();
  const one = windowOp(whole, { shape });
  const split = new Harness();
  let op = windowOp(split, { shape });
  for (const [i, r] of input.entries()) {
    feed(one, r);
    feed(op, r);
    if (i === 4) {
      await batch(one, 0);
      await batch(op, 0);
      const state = JSON.parse(JSON.stringify(op.snapshot()));
      op = windowOp(split, { shape });
      op.restore(state);
    }
  }
  await one.control({ type: 'end' });
  await one.control({ type: 'eos' });
  await op.control({ type: 'end' });
  await op.control({ type: 'eos' });
  assert.deepEqual(split.lines, whole.lines);
  assert.throws(() => op.restore({ kind: 'something else' }), /not window state/);
});
