// reduce-by-key --parallel over a regular file cuts the ranges only once the
// workers run, from where the stage's thread has read to by then
// (parallel-combine.ts takeFile): a worker slow to start (a loaded machine;
// here SLUICE_COMBINE_READY_DELAY_MS) gets less of the file, and the rows,
// their order and the bad records' line numbers stay those of --parallel 1.
// The cut is seen in SLUICE_TRACE_PARALLEL's trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sh, tempDir } from '../helpers/run.js';

/** Lines of the input, tried in turn: on a loaded machine the stage's thread can read a small file whole before the worker runs, and then there is no cut to see. */
const ATTEMPTS = [100_000, 400_000, 1_600_000];

function input(lines: number): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    // A bad record now and then, in both ranges: its line number must be the file's.
    if (i % 9973 === 5) out.push('{"k":"x","v":"not a number"}');
    else out.push(JSON.stringify({ k: `k${(i * 7919) % 1500}`, s: `s${i}`, v: i % 1000 }));
  }
  return out.join('\n') + '\n';
}

test('--parallel 2 over a regular file: the ranges are cut from where the stage thread has read to when the worker runs', { timeout: 300_000 }, async () => {
  const dir = tempDir();
  const file = join(dir, 'in.ndjson');
  const command = (n: number) => `sluice reduce-by-key k --count --sum v --first s --last s --on-error skip --parallel ${n} < in.ndjson`;
  // Small blocks, each a turn of the event loop: the stage's thread is still reading when the worker runs.
  // The ranges are a fast path: forced on, also in the tier that runs with SLUICE_FAST=0.
  const env = { SLUICE_RANGE_BLOCK_BYTES: '256', SLUICE_FAST: '1' };
  let size = 0;
  let trace: string[] = [];
  let cutAt: number[] = [];
  for (const lines of ATTEMPTS) {
    writeFileSync(file, input(lines));
    size = statSync(file).size;
    const one = await sh(command(1), { cwd: dir, env, timeoutMs: 120_000 });
    assert.equal(one.code, 0, one.stderr);
    const two = await sh(command(2), { cwd: dir, env: { ...env, SLUICE_TRACE_PARALLEL: '1', SLUICE_COMBINE_READY_DELAY_MS: '30', SLUICE_RANGE_FIRST_SHARE: '1' }, timeoutMs: 120_000 });
    assert.equal(two.code, 0, two.stderr);
    assert.equal(two.stdout, one.stdout);
    trace = two.stderr.split('\n').filter((l) => l.startsWith('sluice trace '));
    assert.deepEqual(two.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('sluice trace ')), one.stderr.split('\n').filter((l) => l !== ''), 'the same bad records, with the same line numbers');
    const cut = trace.find((l) => l.includes('ranges cut at '));
    assert.ok(cut, `no cut in the trace:\n${trace.join('\n')}`);
    cutAt = cut.slice(cut.indexOf('ranges cut at ') + 'ranges cut at '.length).split(', ').map(Number);
    if (cutAt[0]! < size) break;
  }
  const [from, mine, end] = cutAt as [number, number, number];
  assert.equal(end, size);
  // The stage's thread read on while the worker was starting: the rest was halved from there, not from the start.
  assert.ok(from > 0, `the ranges were cut from byte ${from}: the stage's thread read nothing while the worker started`);
  assert.ok(from < size, 'the stage thread had read the whole file when the worker ran (make the input larger)');
  assert.ok(Math.abs(mine - from - (end - mine)) < 200, `the rest [${from}, ${end}) is halved at ${mine}`);
  assert.ok(trace.some((l) => l.includes('worker: running')), 'the worker traces too');
});
