// Event-time rows of the bad-input table against the real bin: bad and
// far-future timestamps, out-of-order events within and beyond the allowed
// delay (compared with an independent oracle, over several chunkings), and
// the state limit with millions of distinct keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { records, sh, sluiceBin, tempDir } from '../helpers/run.js';
import { assertDiagnosticsOnly, lines, runSluice } from './harness.js';
import { rng } from '../window/events.js';

const BASE = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const at = (s: number) => iso(BASE + s * 1000);

test('event time: unparseable and far-future timestamps are bad records at their line; the far-future one does not move the watermark', async () => {
  const input = [
    { k: 'a', ts: at(1) },
    { k: 'a', ts: 'not a time' },
    { k: 'a', ts: 12345 },
    { k: 'a' },
    { k: 'a', ts: '2026-02-30T00:00:00Z' },
    { k: 'a', ts: '2099-01-01T00:00:00Z' },
    { k: 'b', ts: at(12) },
    { k: 'b', ts: at(8) },
    { k: 'c', ts: at(3) },
  ]
    .map((r) => JSON.stringify(r))
    .join('\n') + '\n';
  const r = await runSluice(['window', '10s', '--time-field', 'ts', '--watermark', '5s', '--on-error', 'skip', '--data-only'], { input, bounded: true });
  assert.equal(r.code, 0, r.stderr);
  assertDiagnosticsOnly(r.stderr);
  const err = lines(r.stderr);
  assert.match(err[0]!, /^sluice window: stdin:2: time field 'ts' is "not a time", not an ISO-8601 time; skipped/);
  assert.match(err[1]!, /^sluice window: stdin:3: time field 'ts' is the number 12345; give its unit with --time-unit/);
  assert.match(err[2]!, /^sluice window: stdin:4: no time field 'ts'; did you mean 'k'\? \(fields: k\); skipped/);
  assert.match(err[3]!, /^sluice window: stdin:5: time field 'ts' is "2026-02-30T00:00:00Z", not an ISO-8601 time/);
  assert.match(err[4]!, /^sluice window: stdin:6: event time 2099-01-01T00:00:00\.000Z is more than --max-skew 1h ahead of the clock .*; skipped/);
  assert.equal(err[5], 'sluice window: 5 bad records skipped');
  assert.equal(err.length, 6, r.stderr);
  // Every good record came through, none of them late.
  const out = records(r.stdout);
  assert.deepEqual(out.map((x) => x['k']), ['a', 'b', 'b', 'c']);
  assert.ok(out.every((x) => !('late' in x)), r.stdout);

  // The same input with the guard off: the 2099 record drags the watermark and everything after it is late.
  const off = await runSluice(['window', '10s', '--time-field', 'ts', '--watermark', '5s', '--on-error', 'skip', '--max-skew', 'off', '--late', 'emit', '--data-only'], { input, bounded: true });
  assert.equal(records(off.stdout).filter((x) => x['late'] === true).length, 3, off.stdout);

  // Under the default --on-error fail: exit 1 at the first bad time, one diagnostic, the record before it passed.
  const fail = await runSluice(['window', '10s', '--time-field', 'ts', '--data-only'], { input, bounded: true });
  assert.equal(fail.code, 1);
  assert.equal(lines(fail.stderr).length, 1, fail.stderr);
  assert.match(fail.stderr, /^sluice window: stdin:2: /);
  assert.deepEqual(records(fail.stdout).map((x) => x['k']), ['a']);
});

const SIZE = 10_000;
const DELAY = 5_000;

/** Events every 50 ms, most of them up to 4 s out of order, one in 30 a straggler 30 s behind. */
function outOfOrderEvents(n: number): { id: number; k: string; ts: string }[] {
  const rand = rng(7);
  return Array.from({ length: n }, (_, id) => {
    const straggler = rand() < 1 / 30;
    const jitter = straggler ? 30_000 : Math.floor(rand() * 4_000);
    return { id, k: 'abcde'[Math.floor(rand() * 5)]!, ts: iso(BASE + id * 50 - jitter) };
  });
}

/** The watermark rule written independently: a record is late when its window ended at or before max event time so far minus the delay. */
function oracle(events: { id: number; k: string; ts: string }[]) {
  let max = -Infinity;
  const counts = new Map<string, number>();
  const late: number[] = [];
  for (const e of events) {
    const t = Date.parse(e.ts);
    max = Math.max(max, t);
    const start = Math.floor(t / SIZE) * SIZE;
    if (start + SIZE <= max - DELAY) {
      late.push(e.id);
      continue;
    }
    const id = `${iso(start)} ${e.k}`;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return { counts, late };
}

test('event time: out-of-order events within the delay counted exactly once, beyond it written to --late FILE, the same for every chunking and run', async () => {
  const dir = tempDir();
  const events = outOfOrderEvents(3000);
  writeFileSync(join(dir, 'ev.ndjson'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  const expected = oracle(events);
  assert.ok(expected.late.length > 50 && expected.late.length < 200, `the input has ${expected.late.length} late events`);
  // Random byte slices with pauses: a live stdin, so batch boundaries fall wherever time says.
  const chunker = `node -e 'const d=require("fs").readFileSync(process.argv[1]);let i=0,s=1;const r=()=>(s=s*16807%2147483647)/2147483647;(function w(){if(i>=d.length)return;const n=1+Math.floor(r()*4000);process.stdout.write(d.subarray(i,i+=n));setTimeout(w,r()<0.1?30:0)})()' ev.ndjson`;
  const windowed = (late: string) => `sluice window 10s --time-field ts --watermark 5s --late ${late} | sluice reduce-by-key k --count --mode append | sluice sink`;
  const variants = [
    ['whole file', `sluice source file ev.ndjson --format json | ${windowed('late-1.txt')}`],
    ['again', `sluice source file ev.ndjson --format json | ${windowed('late-2.txt')}`],
    ['batches of 7', `sluice source file ev.ndjson --format json --max-records-per-batch 7 | ${windowed('late-3.txt')}`],
    ['random chunks on a live stdin', `${chunker} | sluice source --format json --batch 100ms | ${windowed('late-4.txt')}`],
  ] as const;
  const results = await Promise.all(variants.map(([, cmd]) => sh(cmd, { cwd: dir, timeoutMs: 60_000 })));
  results.forEach((r, i) => {
    const [name] = variants[i]!;
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    assert.equal(r.stderr, `sluice window: ${expected.late.length} late records (their windows were already closed by the watermark) written to late-${i + 1}.txt\n`, name);
    const out = records(r.stdout) as { window: { start: string }; k: string; count: number }[];
    const got = new Map(out.map((x) => [`${x.window.start} ${x.k}`, x.count]));
    assert.equal(got.size, out.length, `${name}: a window was emitted twice`);
    assert.deepEqual([...got].sort(), [...expected.counts].sort(), name);
    const lateIds = lines(readFileSync(join(dir, `late-${i + 1}.txt`), 'utf8')).map((l) => (JSON.parse(l) as { id: number }).id);
    assert.deepEqual(lateIds, expected.late, `${name}: late records`);
    const total = out.reduce((s, x) => s + x.count, 0) + lateIds.length;
    assert.equal(total, events.length, `${name}: every event counted once`);
  });
  // Identical text, not just equal totals, for the bounded runs.
  assert.equal(results[0]!.stdout, results[1]!.stdout);
  assert.equal(results[0]!.stdout, results[2]!.stdout);
});

test('10 million distinct keys: --max-keys and --max-state-bytes stop the stage with one clear line and exit 1, long before memory runs out', async () => {
  const gen = 'sluice source rate --per-second 1000000000 --limit 10000000';
  const keys = await sh(`${gen} | /usr/bin/time -f "rss=%M" node ${JSON.stringify(sluiceBin)} reduce-by-key value --count --mode update --max-keys 200000 > /dev/null; echo "status=\${PIPESTATUS[*]}"`, {
    timeoutMs: 60_000,
  });
  assert.match(keys.stdout, /status=0 1\n/, keys.stderr);
  const kLines = lines(keys.stderr).filter((l) => !l.startsWith('rss=') && !l.startsWith('Command exited'));
  assert.deepEqual(kLines, [
    'sluice reduce-by-key: state limit reached: more than --max-keys 200000 keys held in state; raise --max-keys, use a shorter window or a watermark so closed windows are evicted',
  ]);
  const budget = Number(process.env['SLUICE_STATE_TEST_BYTES'] ?? 64 * 1024 * 1024);
  const bytes = await sh(`${gen} | /usr/bin/time -f "rss=%M" node ${JSON.stringify(sluiceBin)} reduce-by-key value --count --mode update --max-state-bytes ${budget} > /dev/null; echo "status=\${PIPESTATUS[*]}"`, {
    timeoutMs: 120_000,
  });
  assert.match(bytes.stdout, /status=0 1\n/, bytes.stderr);
  const rssMb = Number(/rss=(\d+)/.exec(bytes.stderr)![1]) / 1024;
  const bLines = lines(bytes.stderr).filter((l) => !l.startsWith('rss=') && !l.startsWith('Command exited'));
  assert.equal(bLines.length, 1, bytes.stderr);
  assert.match(bLines[0]!, new RegExp(`^sluice reduce-by-key: state limit reached: state would exceed --max-state-bytes ${budget} \\(about \\d+ bytes in \\d+ keys\\)`));
  const held = Number(/in (\d+) keys/.exec(bLines[0]!)![1]);
  console.log(`# --max-state-bytes ${budget}: stopped at ${held} keys, peak RSS ${rssMb.toFixed(0)} MB`);
  // The estimate must track real memory: within a small multiple of the budget, far below the V8 heap limit.
  assert.ok(rssMb < 80 + (4 * budget) / 2 ** 20, `peak RSS ${rssMb} MB for a ${budget / 2 ** 20} MiB budget`);
});
