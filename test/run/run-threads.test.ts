import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { sh, tempDir } from '../helpers/run.js';

// `sluice run` with its source stage (and the first half of its operators) in
// a second thread must print exactly what one thread prints: rows, control
// order, bad-record reports with their positions, summaries and exit status.

const dir = tempDir('sluice-run-threads-');
const TWO = { SLUICE_RUN_THREADS: '2' };
const ONE = { SLUICE_RUN_THREADS: '1' };

const T0 = Date.parse('2026-03-01T10:00:00Z');
const key = fc.constantFrom('x', 'y', 'é', 'a"b', 1, 2.5, null, true, undefined, '\u2028');
const amount = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom(0.5, null, 'seven', undefined, 1e300));
const time = fc.integer({ min: -20_000, max: 900_000 }).map((ms) => new Date(T0 + ms).toISOString());
const odd = fc.constantFrom(
  'not json',
  '{"ts":"yesterday","a":"x"}',
  '{"a":"x"}',
  '',
  '   ',
  '{"ts":"2026-03-01T10:00:01Z","a":"x","n":01}',
  '[1]',
  '{"__sluice":{"v":2,"type":"eos","token":"t"}}',
  '{"ts":"2026-03-01T10:00:02.5+01:00","a":"ü","n":3}',
);
const record = fc.tuple(time, key, key, amount, fc.boolean(), fc.nat({ max: 120 })).map(([ts, a, b, n, first, pad]) => {
  const r: Record<string, unknown> = first ? { ts, a, b, n } : { a, n, ts, extra: { deep: [1], pad: 'p'.repeat(pad) }, b };
  return JSON.stringify(r);
});
/** Files of several 64 KB reads, with odd lines anywhere (so reads and chunks cut them at every kind of place). */
const file = fc.tuple(fc.array(record, { minLength: 800, maxLength: 2500 }), fc.array(fc.tuple(odd, fc.nat()), { maxLength: 12 })).map(([lines, bad]) => {
  for (const [line, at] of bad) lines.splice(at % (lines.length + 1), 0, line);
  return lines.join('\n') + '\n';
});

async function sameBothWays(pipeline: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const command = `sluice run '${pipeline.replace(/'/g, `'\\''`)}'`;
  const two = await sh(command, { env: TWO, timeoutMs: 60_000 });
  const one = await sh(command, { env: ONE, timeoutMs: 60_000 });
  assert.deepEqual({ code: two.code, stdout: two.stdout, stderr: two.stderr }, { code: one.code, stdout: one.stdout, stderr: one.stderr }, pipeline);
  return two;
}

test('sluice run: the source thread is used when forced, and not for a small input by default', async () => {
  const path = join(dir, 'small.ndjson');
  writeFileSync(path, '{"ts":"2026-03-01T10:00:00Z","a":"x"}\n');
  const pipeline = `'source file ${path} --format json | window 1m --time-field ts | reduce-by-key a --count | sink'`;
  const forced = await sh(`sluice run ${pipeline}`, { env: { ...TWO, SLUICE_RUN_TRACE: '1' } });
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stderr, /^sluice run: two threads: source, window \| reduce-by-key\n/);
  // The source thread reported its CPU time when it finished: it ran.
  assert.match(forced.stderr, /sluice run: CPU seconds: source thread [0-9.]+, main thread/);
  const auto = await sh(`sluice run ${pipeline}`, { env: { SLUICE_RUN_THREADS: '', SLUICE_RUN_TRACE: '1' } });
  assert.match(auto.stderr, /^sluice run: one thread \(input under 8 MB\)/);
  assert.equal(auto.stdout, forced.stdout);
  const oneStage = await sh(`sluice run 'source file ${path} --format json | reduce-by-key a --count | sink'`, { env: { ...TWO, SLUICE_RUN_TRACE: '1' } });
  assert.match(oneStage.stderr, /one thread \(fewer than two operators after the source\)/);
});

test('sluice run: two threads print what one prints, on random files, bad lines and every --on-error', { timeout: 600_000 }, async () => {
  const samples = fc.sample(file, { numRuns: 3, seed: 12 });
  let rows = 0;
  for (const [i, text] of samples.entries()) {
    const path = join(dir, `in-${i}.ndjson`);
    writeFileSync(path, text);
    const pipelines = [
      // Bad records in the source, the window (source thread) and reduce-by-key (main thread), each under its own policy.
      `source file ${path} --format json --on-error skip | window 1m --time-field ts --watermark 30s --on-error skip | reduce-by-key a b --count --sum n --avg n --mode update --on-error skip | sink`,
      // Every stage under the source's policy: one count, one summary, warnings past 20 suppressed as one thread does.
      `source file ${path} --format json --on-error skip | window 1m --time-field ts --watermark 30s | reduce-by-key a --count --sum n --mode append | sink`,
      `source file ${path} --format json --on-error dead-letter=${join(dir, `dead-${i}.txt`)} --max-records-per-batch 300 | window 1m --time-field ts --watermark 30s | reduce-by-key a b --count --max n | sink`,
      `source file ${path} --format json --on-error skip | map --on-error skip '({...r, x: r.n * 2})' | filter 'r.a !== "é"' | reduce-by-key a --count --max x --sum n | sink`,
      // The first bad record stops the run, wherever it is.
      `source file ${path} --format json | window 1m --time-field ts --watermark 30s | reduce-by-key a --count --sum n | sink`,
    ];
    for (const pipeline of pipelines) rows += (await sameBothWays(pipeline)).stdout.split('\n').filter(Boolean).length;
  }
  assert.ok(rows > 100, `rows were printed (${rows})`);
});

test('sluice run: a bad line in the source thread and one in the main thread report the source line and text', async () => {
  const path = join(dir, 'bad.ndjson');
  const good = (i: number) => JSON.stringify({ ts: new Date(T0 + i * 1000).toISOString(), a: 'x', n: i });
  const lines = Array.from({ length: 3000 }, (_, i) => good(i));
  lines[2000] = '{"ts":"2026-03-01T10:40:00Z","a":"x","n":"seven"}';
  writeFileSync(path, lines.join('\n') + '\n');
  const mainSide = await sameBothWays(`source file ${path} --format json | window 1m --time-field ts | reduce-by-key a --sum n | sink`);
  assert.equal(mainSide.code, 1);
  assert.equal(mainSide.stderr, `sluice run: ${path}:2001: sum_n: field 'n' is "seven", not a number (line: ${lines[2000]})\n`);
  lines[2500] = '{"ts":"never","a":"x","n":1}';
  writeFileSync(path, lines.join('\n') + '\n');
  const both = await sameBothWays(`source file ${path} --format json | window 1m --time-field ts --on-error skip | reduce-by-key a --sum n --on-error skip | sink`);
  assert.match(both.stderr, new RegExp(`^sluice reduce-by-key: ${path}:2001: .*\\nsluice window: ${path}:2501: time field 'ts' is "never"`));
});

test('sluice run: text input split across threads', async () => {
  const path = join(dir, 'text.txt');
  writeFileSync(path, Array.from({ length: 20000 }, (_, i) => `w${i % 97} ü${i % 13}  x`).join('\n'));
  const r = await sameBothWays(`source file ${path} | map --flat 'r.value.split(" ")' | filter 'r.value !== ""' | reduce-by-key value --count | sink`);
  assert.ok(r.stdout.includes('"value":"x","count":20000'));
});
