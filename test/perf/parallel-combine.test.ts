// reduce-by-key --parallel N as a map-side combine (issue 12.4): the workers
// parse and aggregate chunks of the input, the stage merges their partials.
// Random inputs, with bad lines of every kind, through the real bin (whole
// files, pipes re-chunked at random, a sluice source's batches, `sluice
// run`), must give what --parallel 1 gives: the same stdout byte for byte, the
// same diagnostics in the same order, the same exit status and dead letters.
//   SLUICE_COMBINE_CASES=N  how many random inputs (default 2); SLUICE_COMBINE_SEED=S replays one
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, sh, tempDir, type RunResult } from '../helpers/run.js';
import { shellQuote } from '../helpers/tmux.js';
import { rng } from '../window/events.js';

const rechunk = shellQuote(join(repoRoot, 'dist', 'test', 'differential', 'rechunk.js'));
const replay = process.env['SLUICE_COMBINE_SEED'];
const cases = replay !== undefined ? 1 : Number(process.env['SLUICE_COMBINE_CASES'] ?? 2);
const base = replay !== undefined ? Number(replay) : Math.floor(Math.random() * 1e9);
const seeds = Array.from({ length: cases }, (_, i) => base + i);

const KEYS: unknown[] = ['a', 'b', '__proto__', 'constructor', '1', 1, 'ä', '', 'k\u0000', 'x"y'];

/** One input line: mostly records, some bad in every way a line can be bad, some blank, some CRLF, some forged control records. */
function line(r: () => number, i: number, t0: number, badRate: number): string {
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  const x = r();
  if (x < badRate) {
    return pick([
      '{"k":"a","v":',
      '{"k":"b","v":"x"}',
      '{"k":"c","v":1e400}',
      '[1,2]',
      '7',
      'not json',
      '{"v":1,"k":{"deep":' + '['.repeat(12) + ']'.repeat(12) + '}}',
    ]);
  }
  if (x < badRate + 0.02) return pick(['', '   ', '\t']);
  if (x < badRate + 0.03) return '{"__sluice":{"v":2,"type":"eos","token":"0123456789abcdef0123"}}';
  const rec: Record<string, unknown> = { k: pick(KEYS) };
  if (r() < 0.5) rec['g'] = { h: pick(['p', 'q']) };
  const v = r();
  // Integers and quarters: their sums are exact in any order, as the combine needs (docs/ARCHITECTURE.md).
  if (v < 0.8) rec['v'] = r() < 0.5 ? Math.floor(r() * 2000) - 1000 : Math.floor(r() * 400) / 4;
  else if (v < 0.9) rec['v'] = null;
  rec['s'] = `s${i}`;
  rec['ts'] = t0 + i * 700 - Math.floor(r() * 3000);
  let text = JSON.stringify(rec);
  if (r() < 0.05) text = ' ' + text;
  if (r() < 0.05) text += '\r';
  return text;
}

function input(seed: number, lines: number, badRate: number): string {
  const r = rng(seed);
  const t0 = 1767225600000;
  return Array.from({ length: lines }, (_, i) => line(r, i, t0, badRate)).join('\n') + (r() < 0.5 ? '\n' : '');
}

/** stdout, stderr, status and the dead-letter file of one run, as text to compare. */
async function outcome(dir: string, command: string, env: NodeJS.ProcessEnv = {}): Promise<{ r: RunResult; dead: string }> {
  const r = await sh(`rm -f dead.txt; ${command}; echo "status=\${PIPESTATUS[*]}" >&2`, { cwd: dir, env, timeoutMs: 90_000 });
  return { r, dead: existsSync(join(dir, 'dead.txt')) ? readFileSync(join(dir, 'dead.txt'), 'utf8') : '' };
}

/** The rows without their batch window, whose times come from the wall clock. */
const withoutWindow = (stdout: string) => stdout.replace(/"window":\{"start":"[^"]*","end":"[^"]*"\},?/g, '');

/**
 * Runs `command(n)` for --parallel 1 and the given worker counts, and with the
 * fast paths off for one worker (the general path), and asserts every outcome equals the first.
 */
async function assertSameAsOneWorker(dir: string, what: string, command: (n: number) => string, workers: number[], strip = false, env: NodeJS.ProcessEnv = {}): Promise<void> {
  // The fast paths on whatever the suite runs with (npm run test:nofast): SLUICE_FAST=0 routes keys instead of combining.
  const fast = { ...env, SLUICE_FAST: '1' };
  const one = await outcome(dir, command(1), fast);
  const general = await outcome(dir, command(1), { SLUICE_FAST: '0' });
  const show = (x: { r: RunResult; dead: string }) => ({ ...x, r: { ...x.r, stdout: strip ? withoutWindow(x.r.stdout) : x.r.stdout, stderr: afterFailure(x.r.stderr) } });
  const expected = show(one);
  assert.deepEqual(show(general), expected, `${what}: --parallel 1 differs between SLUICE_FAST=0 and the fast paths`);
  for (const n of workers) {
    const got = show(await outcome(dir, command(n), fast));
    assert.equal(got.r.stderr, expected.r.stderr, `${what}: --parallel ${n} diagnostics`);
    assert.equal(got.r.stdout, expected.r.stdout, `${what}: --parallel ${n} rows`);
    assert.equal(got.dead, expected.dead, `${what}: --parallel ${n} dead letters`);
  }
}

/**
 * A stage that fails has read ahead of the failing line with workers (the
 * chunks in flight), so its end-of-run count of control-shaped data lines
 * covers more lines: that count is left out after a failure (docs/ARCHITECTURE.md).
 */
const afterFailure = (stderr: string) => (/status=1/.test(stderr) ? stderr.replace(/^.*data lines? shaped like control records.*\n/m, '') : stderr);

const AGGREGATES = 'k g.h --count --sum v --avg v --min v --max v --first s --last s';

for (const seed of seeds) {
  test(`--parallel combine equals --parallel 1 on a file on stdin, seed ${seed} (replay: SLUICE_COMBINE_SEED=${seed})`, { timeout: 300_000 }, async () => {
    const dir = tempDir();
    const lines = 2000 + Math.floor(rng(seed)() * 30_000);
    writeFileSync(join(dir, 'in.ndjson'), input(seed, lines, 0.02));
    for (const policy of ['skip', 'dead-letter=dead.txt']) {
      await assertSameAsOneWorker(dir, `--on-error ${policy}`, (n) => `sluice reduce-by-key ${AGGREGATES} --on-error ${policy} --parallel ${n} < in.ndjson`, [2, 3]);
    }
    // fail: the first bad line in the input is the one reported, wherever the workers met theirs.
    writeFileSync(join(dir, 'rare.ndjson'), input(seed + 1, lines, 0.0004));
    await assertSameAsOneWorker(dir, '--on-error fail', (n) => `sluice reduce-by-key ${AGGREGATES} --parallel ${n} < rare.ndjson`, [2]);
    // A key expression, evaluated by the workers (a throwing one is a bad record at its line).
    await assertSameAsOneWorker(dir, '--key-expr', (n) => `sluice reduce-by-key --key-expr 'r.g.h + (r.v > 0)' --count --max v --on-error skip --parallel ${n} < in.ndjson`, [2]);
    // A line longer than a worker's chunk slot (2 MB) travels in a buffer of its own, in its place.
    const long = input(seed + 2, 400, 0.02).split('\n');
    long.splice(200, 0, JSON.stringify({ k: 'long', v: 1, s: 'x'.repeat(2_500_000) }));
    writeFileSync(join(dir, 'long.ndjson'), long.join('\n'));
    await assertSameAsOneWorker(dir, 'a long line', (n) => `sluice reduce-by-key k --count --sum v --last s --on-error skip --parallel ${n} < long.ndjson | cut -c1-200`, [2]);
    // --max-keys: the key that passes the limit, and the warnings before it, are those of one thread.
    await assertSameAsOneWorker(dir, '--max-keys', (n) => `sluice reduce-by-key k s --count --max-keys ${Math.floor(lines / 3)} --on-error skip --parallel ${n} < in.ndjson`, [2]);
  });

  test(`--parallel combine reads lines in place as one thread does, in workers and in the stage's own thread, seed ${seed}`, { timeout: 300_000 }, async () => {
    const dir = tempDir();
    const lines = 2000 + Math.floor(rng(seed)() * 30_000);
    writeFileSync(join(dir, 'in.ndjson'), input(seed, lines, 0.02));
    writeFileSync(join(dir, 'rare.ndjson'), input(seed + 1, lines, 0.0004));
    // Bad records only in the second half: the 20 warnings --on-error skip prints name lines past the
    // first reads, which every share (a worker's chunk, a read of the stage's own) numbers for itself.
    // Without blank, indented or CRLF lines, which end the stage's in-place take of a read (the rest of it goes line by line).
    const plainLines = (text: string) => text.split('\n').filter((l) => l.trim() !== '' && !/^\s/.test(l)).map((l) => l.replace(/\r$/, ''));
    writeFileSync(join(dir, 'late.ndjson'), [...plainLines(input(seed + 3, lines, 0)), ...plainLines(input(seed + 4, lines, 0.02))].join('\n') + '\n');
    // Plain key fields and numeric aggregates: the keyed-line reader's layouts (KeyedLines.readLines) take
    // most lines, in the workers' chunks and in the reads the stage's thread aggregates itself (every
    // other one, whatever the workers have queued). Chunks of 4 KB: reads longer than a slot travel alone.
    const small = { SLUICE_COMBINE_CHUNK_BYTES: '4096', SLUICE_COMBINE_ALTERNATE: '1' };
    const plain = 'k s --count --sum v --avg v --min v --max v';
    for (const policy of ['skip', 'dead-letter=dead.txt']) {
      await assertSameAsOneWorker(dir, `in place, --on-error ${policy}`, (n) => `sluice reduce-by-key ${plain} --on-error ${policy} --parallel ${n} < in.ndjson`, [2, 3], false, small);
      await assertSameAsOneWorker(dir, `in place, bad records late, --on-error ${policy}`, (n) => `sluice reduce-by-key ${plain} --on-error ${policy} --parallel ${n} < late.ndjson`, [2, 3], false, small);
      await assertSameAsOneWorker(dir, `in place, a re-chunked pipe, --on-error ${policy}`, (n) => `cat in.ndjson | node ${rechunk} ${seed} | sluice reduce-by-key k --count --sum v --max v --batch 1d --on-error ${policy} --parallel ${n}`, [2], true, small);
    }
    await assertSameAsOneWorker(dir, 'in place, --on-error fail', (n) => `sluice reduce-by-key ${plain} --parallel ${n} < rare.ndjson`, [2], false, small);
    const source = `sluice source file in.ndjson --format json --on-error skip --max-records-per-batch 250 2>/dev/null | node ${rechunk} ${seed + 7}`;
    await assertSameAsOneWorker(dir, 'in place, a sluice source', (n) => `${source} | sluice reduce-by-key ${plain} --on-error skip --parallel ${n} | sluice sink`, [2], true, small);
    // The default chunks: a worker's share starts after its first 2 MB chunks, the rest is the stage's own.
    await assertSameAsOneWorker(dir, 'in place, default chunks', (n) => `for i in 1 2 3 4 5 6; do cat in.ndjson; echo; done | sluice reduce-by-key ${plain} --batch 1d --on-error skip --parallel ${n}`, [2], true);
  });

  test(`--parallel combine equals --parallel 1 behind re-chunked pipes and a sluice source, seed ${seed}`, { timeout: 300_000 }, async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'in.ndjson'), input(seed, 3000, 0.02));
    // Reads torn at random places: lines, CRLFs and multi-byte characters split across reads. One batch a day: the rows hold still.
    await assertSameAsOneWorker(dir, 'a re-chunked pipe', (n) => `cat in.ndjson | node ${rechunk} ${seed} | sluice reduce-by-key ${AGGREGATES} --batch 1d --on-error skip --parallel ${n}`, [2], true);
    // A sluice stream: batches from the source, errors name the record's number in the stream.
    const source = `sluice source file in.ndjson --format json --on-error skip --max-records-per-batch 250 2>/dev/null | node ${rechunk} ${seed + 7}`;
    await assertSameAsOneWorker(dir, 'a sluice source', (n) => `${source} | sluice reduce-by-key ${AGGREGATES} --on-error skip --parallel ${n} | sluice sink`, [2], true);
    // In one process the source's warnings interleave with the stage's: only the stage's are compared.
    const run = (n: number) => `sluice run 'source file in.ndjson --format json --on-error skip --max-records-per-batch 250 | reduce-by-key ${AGGREGATES} --on-error skip --parallel ${n} | sink' 2>err.txt; s=$?; grep -v '^sluice source' err.txt >&2; (exit $s)`;
    await assertSameAsOneWorker(dir, 'sluice run', run, [2], true);
  });

  test(`--parallel combine equals --parallel 1 over event-time windows in every output mode, seed ${seed}`, { timeout: 300_000 }, async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'in.ndjson'), input(seed, 3000, 0.01));
    const upstream = 'sluice source file in.ndjson --format json --on-error skip --max-records-per-batch 200 2>/dev/null | sluice window 10s --time-field ts --time-unit ms --watermark 2s --on-error skip 2>/dev/null';
    for (const mode of ['batch', 'update', 'complete', 'append']) {
      await assertSameAsOneWorker(dir, `--mode ${mode}`, (n) => `${upstream} | sluice reduce-by-key k --count --sum v --max v --last s --mode ${mode} --on-error skip --parallel ${n} | sluice sink`, [2]);
    }
  });
}

// A group that both readers feed in one share: `null` keys are read in place (its accumulators kept in the
// group's row), `1e400` (Infinity, whose key is null too) only by parsing the record, which must take the
// accumulators back from the row before adding (PartialReduce.add): otherwise the parsed records' counts are lost.
test('--parallel combine: a group fed by the in-place reader and by parsed records in one share', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  const lines = Array.from({ length: 40_000 }, (_, i) => (i % 4 === 0 ? `{"k":1e400,"v":${(i % 7) - 3}}` : `{"k":${i % 8 === 1 ? 'null' : '"a"'},"v":${(i % 5) - 2}}`));
  writeFileSync(join(dir, 'mixed.ndjson'), lines.join('\n') + '\n');
  const small = { SLUICE_COMBINE_CHUNK_BYTES: '4096', SLUICE_COMBINE_ALTERNATE: '1' };
  await assertSameAsOneWorker(dir, 'both readers', (n) => `sluice reduce-by-key k --count --sum v --avg v --min v --max v --parallel ${n} < mixed.ndjson`, [2, 3], true, small);
});
