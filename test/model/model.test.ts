// The reference model checked by hand against the documented semantics, so
// that the differential test compares the engine with something known right.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixedWindowsOf, readSource, runModel, type StageSpec } from './model.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const lines = (rs: object[]) => rs.map((r) => JSON.stringify(r)).join('\n') + '\n';
const strip = (rows: unknown[]) => rows.map((r) => JSON.parse(JSON.stringify(r)) as Record<string, unknown>);

test('model source: BOM, CRLF, blank and bad lines; batches cut every N records', () => {
  const { events, bad } = readSource({ format: 'json', text: '\ufeff{"a":1}\r\n\n  \n{bad\n42\n{"a":2}', maxRecordsPerBatch: 2 });
  assert.equal(bad, 1);
  assert.deepEqual(events, [
    { type: 'data', record: { a: 1 } },
    { type: 'data', record: 42 },
    { type: 'batch' },
    { type: 'data', record: { a: 2 } },
    { type: 'end' },
    { type: 'batch' },
    { type: 'eos' },
  ]);
  assert.deepEqual(readSource({ format: 'text', text: '' }).events, [{ type: 'end' }, { type: 'batch' }, { type: 'eos' }]);
  assert.deepEqual(readSource({ format: 'text', text: 'a b\n\nc' }).events.length, 5);
});

test('model map/filter: non-object results become {value}, undefined null; a throw is a bad record', () => {
  const r = runModel({ format: 'json', text: '{"n":1}\n{"n":5}\nnull\n' }, [
    { kind: 'filter', fn: (x: { n: number }) => x.n < 3 },
    { kind: 'map', fn: (x: { n: number }) => (x.n === 1 ? undefined : x) },
  ]);
  assert.deepEqual(r.output, [{ value: null }]);
  assert.deepEqual(r.bad, [0, 1, 0]);
});

test('model windows: sliding windows oldest first; epoch-aligned', () => {
  assert.deepEqual(fixedWindowsOf(12_000, 10_000, 5_000), [
    { start: 5_000, end: 15_000 },
    { start: 10_000, end: 20_000 },
  ]);
  assert.deepEqual(fixedWindowsOf(10_000, 10_000, 10_000), [{ start: 10_000, end: 20_000 }]);
});

test('model window + reduce append: a record behind the watermark is late (dropped, or emitted flagged)', () => {
  const text = lines([
    { k: 'a', ts: at(1) },
    { k: 'a', ts: at(12) },
    { k: 'a', ts: at(3) }, // watermark 12 s passed [0, 10): late
    { k: 'b', ts: at(9) }, // also late
    { k: 'a', ts: at(15) },
  ]);
  const window = (late: 'drop' | 'emit'): StageSpec => ({ kind: 'window', shape: { kind: 'fixed', size: 10_000, slide: 10_000 }, timeField: 'ts', watermarkDelay: 0, late });
  const reduce: StageSpec = { kind: 'reduce', keyFields: ['k'], aggregates: [{ kind: 'count' }], mode: 'append' };
  const w = (s: number, e: number) => ({ start: at(s), end: at(e) });
  assert.deepEqual(strip(runModel({ format: 'json', text }, [window('drop'), reduce]).output), [
    { window: w(0, 10), k: 'a', count: 1 },
    { window: w(10, 20), k: 'a', count: 2 },
  ]);
  // Emitted late copies reach reduce-by-key before any watermark (one batch): counted in their window.
  const late = strip(runModel({ format: 'json', text }, [window('emit')]).output);
  assert.deepEqual(
    late.filter((r) => r['late'] === true).map((r) => r['ts']),
    [at(3), at(9)],
  );
  // With the watermark delayed 5 s, neither is late: the watermark is 7 s when they arrive, before the end of [0, 10).
  const delayed = runModel({ format: 'json', text }, [{ ...(window('drop') as object), watermarkDelay: 5_000 } as StageSpec, reduce]);
  assert.deepEqual(strip(delayed.output), [
    { window: w(0, 10), k: 'a', count: 2 },
    { window: w(0, 10), k: 'b', count: 1 },
    { window: w(10, 20), k: 'a', count: 2 },
  ]);
});

test('model sessions: the issue 11.4 example gives every session (5), closed at end of input', () => {
  const ev = [
    ['u1', 0],
    ['u2', 60],
    ['u3', 100],
    ['u1', 600], // 10 min later: same session (gap 20 min)
    ['u1', 3600], // new session
    ['u2', 7200], // still open at the last batch: closed by the end of input
  ] as const;
  const text = lines(ev.map(([u, s]) => ({ u, ts: at(s) })));
  const out = strip(
    runModel({ format: 'json', text }, [
      { kind: 'window', shape: { kind: 'session', gap: 20 * 60_000, keyFields: ['u'] }, timeField: 'ts', watermarkDelay: 0, late: 'drop' },
      { kind: 'reduce', keyFields: ['u'], aggregates: [{ kind: 'count' }], mode: 'batch' },
    ]).output,
  );
  assert.equal(out.length, 5);
  // In input order, a session that ends before the watermark is late: u2 at 60 s after u1 at 3600 s would be dropped.
  assert.deepEqual(
    out.map((r) => [r['u'], r['count'], (r['window'] as { start: string }).start]).sort(),
    [
      ['u1', 1, at(3600)],
      ['u1', 2, at(0)],
      ['u2', 1, at(60)],
      ['u2', 1, at(7200)],
      ['u3', 1, at(100)],
    ],
  );
});

test('model reduce modes over batches of 2 records, without windows', () => {
  const text = lines([
    { k: 'a', n: 1 },
    { k: 'b', n: null },
    { k: 'a', n: 2 },
    { k: 'a', n: 'x' }, // a bad record for sum
  ]);
  const run = (mode: 'batch' | 'update' | 'complete' | 'append') =>
    strip(runModel({ format: 'json', text, maxRecordsPerBatch: 2 }, [{ kind: 'reduce', keyFields: ['k'], aggregates: [{ kind: 'count' }, { kind: 'sum', field: 'n' }, { kind: 'collect', field: 'n' }], mode }]).output);
  assert.deepEqual(run('batch'), [
    { k: 'a', count: 1, sum_n: 1, collect_n: [1] },
    { k: 'b', count: 1, sum_n: null, collect_n: [null] },
    { k: 'a', count: 1, sum_n: 2, collect_n: [2] },
  ]);
  assert.deepEqual(run('update'), [
    { k: 'a', count: 1, sum_n: 1, collect_n: [1] },
    { k: 'b', count: 1, sum_n: null, collect_n: [null] },
    { k: 'a', count: 2, sum_n: 3, collect_n: [1, 2] },
  ]);
  // The whole table at each batch that read lines; the last, after `end`, read none and changed nothing: no table.
  assert.deepEqual(run('complete'), [
    { k: 'a', count: 1, sum_n: 1, collect_n: [1] },
    { k: 'b', count: 1, sum_n: null, collect_n: [null] },
    { k: 'a', count: 2, sum_n: 3, collect_n: [1, 2] },
    { k: 'b', count: 1, sum_n: null, collect_n: [null] },
  ]);
  assert.deepEqual(run('append'), [
    { k: 'a', count: 2, sum_n: 3, collect_n: [1, 2] },
    { k: 'b', count: 1, sum_n: null, collect_n: [null] },
  ]);
});
