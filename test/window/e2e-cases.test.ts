import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { records, sh, tempDir } from '../helpers/run.js';
import { events, lastRowCounts, ndjson, oracleCounts, rowCounts, sorted } from './events.js';

const EVENTS = events(300, 3);
const CASE1 = `sluice source file ev.ndjson --format json | sluice window 10s --time-field ts --watermark 5s | sluice reduce-by-key k --count --mode append | sluice sink`;

function evDir(extra = ''): string {
  const dir = tempDir('sluice-window-');
  writeFileSync(join(dir, 'ev.ndjson'), ndjson(EVENTS) + extra);
  return dir;
}

test('issue 3 case 1: tumbling event-time windows, append mode: each (window, key) exactly once with its exact count', async () => {
  const expected = oracleCounts(EVENTS, 10_000, 10_000, 5_000);
  assert.equal(expected.late, 0, 'the input is out of order by less than the watermark delay');
  const r = await sh(CASE1, { cwd: evDir() });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.deepEqual(sorted(rowCounts(records(r.stdout), 10_000)), sorted(expected.counts));
});

test('issue 3 case 1 in small batches: windows close mid-stream as the watermark passes, with the same result', async () => {
  const expected = oracleCounts(EVENTS, 10_000, 10_000, 5_000);
  const r = await sh(CASE1.replace('--format json', '--format json --max-records-per-batch 17'), { cwd: evDir() });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(sorted(rowCounts(records(r.stdout), 10_000)), sorted(expected.counts));
});

test('issue 3 case 2: sliding windows (10s every 5s): every record counted in both windows that contain it', async () => {
  const expected = oracleCounts(EVENTS, 10_000, 5_000, 5_000);
  const r = await sh(CASE1.replace('window 10s', 'window 10s --slide 5s'), { cwd: evDir() });
  assert.equal(r.code, 0, r.stderr);
  const got = rowCounts(records(r.stdout), 10_000);
  assert.deepEqual(sorted(got), sorted(expected.counts));
  assert.equal([...got.values()].reduce((a, b) => a + b, 0), 2 * EVENTS.length);
});

test('issue 3 case 3: a record 1 minute older than the watermark is not counted; with --late FILE it is written there', async () => {
  const maxTs = Math.max(...EVENTS.map((e) => Date.parse(e.ts)));
  const lateLine = JSON.stringify({ ts: new Date(maxTs - 5_000 - 60_000).toISOString(), k: 'a', seq: -1 });
  const expected = oracleCounts(EVENTS, 10_000, 10_000, 5_000);

  const dir = evDir(lateLine + '\n');
  const dropped = await sh(CASE1, { cwd: dir });
  assert.equal(dropped.code, 0, dropped.stderr);
  assert.deepEqual(sorted(rowCounts(records(dropped.stdout), 10_000)), sorted(expected.counts));
  assert.match(dropped.stderr, /sluice window: 1 late record .*dropped/);

  const withFile = await sh(CASE1.replace('--watermark 5s', '--watermark 5s --late late.ndjson'), { cwd: dir });
  assert.equal(withFile.code, 0, withFile.stderr);
  assert.deepEqual(sorted(rowCounts(records(withFile.stdout), 10_000)), sorted(expected.counts));
  assert.equal(readFileSync(join(dir, 'late.ndjson'), 'utf8'), lateLine + '\n');

  appendFileSync(join(dir, 'ev.ndjson'), '{"ts":"yesterday","k":"a"}\n');
  const bad = await sh(CASE1, { cwd: dir });
  assert.equal(bad.code, 1, 'an unparseable time is a bad record; --on-error fail by default');
  assert.match(bad.stderr, /sluice window: .*ev.ndjson|stdin:\d+: time field 'ts' is "yesterday"/);
});

test('issue 3 case 4: rate 200/s in 2s processing-time windows, no key: about 400 per window', async () => {
  const r = await sh(`sluice source rate --per-second 200 | sluice window 2s | sluice reduce-by-key --count --mode append | sluice sink | head -n 4`, { timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  const rows = records(r.stdout);
  assert.equal(rows.length, 4);
  for (const row of rows) {
    const w = row['window'] as { start: string; end: string };
    assert.equal(Date.parse(w.end) - Date.parse(w.start), 2000);
    assert.equal(Date.parse(w.start) % 2000, 0, 'aligned to the epoch');
  }
  // The first window is partial (the source starts mid-window); the others are full.
  for (const row of rows.slice(1)) assert.ok(Math.abs((row['count'] as number) - 400) <= 60, `count ${String(row['count'])} is not about 400`);
});

test('issue 3 case 5: update and complete mode: the last row per (window, key) equals the append counts', async () => {
  const expected = sorted(oracleCounts(EVENTS, 10_000, 10_000, 5_000).counts);
  for (const mode of ['update', 'complete']) {
    for (const batching of ['', ' --max-records-per-batch 23']) {
      const r = await sh(CASE1.replace('--mode append', `--mode ${mode}`).replace('--format json', `--format json${batching}`), { cwd: evDir() });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(sorted(lastRowCounts(records(r.stdout))), expected, `${mode}${batching}`);
    }
  }
});

test('--progress writes one NDJSON object per batch with the documented fields', async () => {
  const dir = evDir();
  const r = await sh(`sluice source file ev.ndjson --format json --max-records-per-batch 100 | sluice window 10s --time-field ts --watermark 5s --progress | sluice reduce-by-key k --count --mode append --progress-file p.ndjson | sluice sink > /dev/null`, { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const fromWindow = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const fromReduce = readFileSync(join(dir, 'p.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  for (const lines of [fromWindow, fromReduce]) {
    // 300 records in batches of 100, then the last batch, which carries what end of input flushed.
    assert.deepEqual(lines.map((p) => p['batchId']), [0, 1, 2, 3]);
    for (const p of lines) {
      for (const f of ['timestamp', 'numInputRows', 'numOutputRows', 'inputRowsPerSecond', 'processedRowsPerSecond', 'durationMs', 'watermark', 'stateRows', 'lateRows']) assert.ok(f in p, `${f} missing`);
    }
  }
  assert.deepEqual(fromWindow.map((p) => p['numInputRows']), [100, 100, 100, 0]);
  assert.equal(fromReduce.reduce((n, p) => n + (p['numInputRows'] as number), 0), 300);
  assert.match(String(fromWindow[2]!['watermark']), /^2026-01-01T/);
});
