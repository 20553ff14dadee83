// `sluice run` with reduce-by-key --parallel gives exactly what the same stages
// give as separate processes. Under run the source does not wait for a batch
// boundary to be handled before it sends the next records, so a control record
// held back by an operator (window waiting for the workers' watermark reply) or
// answered late by the workers must still keep its place in the stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sh, tempDir } from '../helpers/run.js';

/** Records over several 10 s event-time windows, keys repeating across batches and windows. */
function input(): string {
  const keys = ['a', 'b', '__proto__', 'c', 'ä', '1', 'd'];
  const lines: string[] = [];
  for (let i = 0; i < 60; i++) {
    lines.push(JSON.stringify({ k: keys[(i * 5 + (i >> 2)) % keys.length], n: i, ts: 1767225600000 + i * 1700 - (i % 4) * 900 }));
  }
  return lines.join('\n') + '\n';
}

/** Rows without their batch window, whose times come from the wall clock. */
const withoutWindow = (stdout: string) =>
  stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const row = JSON.parse(l) as Record<string, unknown>;
      delete row['window'];
      return JSON.stringify(row);
    });

for (const [what, stages, wallClockWindows] of [
  [
    'window + reduce-by-key --mode batch: each batch gets its own records',
    ['source file in.ndjson --format json --max-records-per-batch 3', 'window 10s --time-field ts --watermark 1s --time-unit ms', 'reduce-by-key k --count --sum n --mode batch --parallel 2', 'sink'],
    false,
  ],
  [
    'window + reduce-by-key --mode append: rows at watermarks and end of input',
    ['source file in.ndjson --format json --max-records-per-batch 4', 'window 10s --time-field ts --watermark 2s --time-unit ms', 'reduce-by-key k --count --first n --mode append --parallel 3', 'sink'],
    false,
  ],
  [
    'reduce-by-key --mode batch: a batch in first-seen order',
    ['source file in.ndjson --format json --max-records-per-batch 7', 'reduce-by-key k --count --mode batch --parallel 2', 'sink'],
    true,
  ],
] as const) {
  test(`sluice run = separate processes with --parallel: ${what}`, async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'in.ndjson'), input());
    const pipe = await sh(stages.map((s) => `sluice ${s}`).join(' | '), { cwd: dir, timeoutMs: 60_000 });
    assert.equal(pipe.code, 0, pipe.stderr);
    const rows = wallClockWindows ? withoutWindow(pipe.stdout) : pipe.stdout.split('\n').filter(Boolean);
    assert.ok(rows.length >= 10, `expected rows, got ${pipe.stdout}`);
    // Several runs: the defects depended on when the workers answered.
    for (let i = 0; i < 3; i++) {
      const run = await sh(`sluice run '${stages.join(' | ')}'`, { cwd: dir, timeoutMs: 60_000 });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(wallClockWindows ? withoutWindow(run.stdout) : run.stdout.split('\n').filter(Boolean), rows);
    }
  });
}
