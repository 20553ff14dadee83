import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../helpers/run.js';
import { events, runPipeline } from './kill.js';

// Issue 3 case 6: case 1 with checkpointing, a slow file source, the whole
// pipeline killed with SIGKILL at random moments and run again with the same
// command: out.ndjson ends up with exactly the rows of an uninterrupted run.
const PIPELINE =
  'sluice source file ev.ndjson --format json --checkpoint C --max-records-per-batch 10' +
  ' | sluice window 10s --time-field ts --watermark 5s --checkpoint C' +
  ' | sluice reduce-by-key k --count --mode append --checkpoint C' +
  ' | sluice sink file out.ndjson --checkpoint C';
const REFERENCE =
  'sluice source file ev.ndjson --format json | sluice window 10s --time-field ts --watermark 5s' +
  ' | sluice reduce-by-key k --count --mode append | sluice sink > ref.ndjson';

const TRIALS = Number(process.env['SLUICE_KILL_TRIALS'] ?? 20);
const BUDGET_MS = Number(process.env['SLUICE_KILL_BUDGET_MS'] ?? 45_000);
const MIN_TRIALS = Math.min(TRIALS, 5);

/** Runs PIPELINE in dir until it exits 0; the first `kills` runs are killed at the given moments. */
async function runUntilDone(dir: string, killAt: number[], signal: NodeJS.Signals): Promise<{ runs: number; killedMidway: number }> {
  let runs = 0;
  let killedMidway = 0;
  for (const ms of killAt) {
    runs++;
    const r = await runPipeline(PIPELINE, dir, ms, undefined, signal);
    if (r.killed) killedMidway++;
    else assert.equal(r.code, 0, r.stderr);
  }
  for (let i = 0; i < 5; i++) {
    runs++;
    const r = await runPipeline(PIPELINE, dir);
    if (r.code === 0) return { runs, killedMidway };
    assert.fail(`run ${runs} failed with ${r.code}: ${r.stderr}`);
  }
  throw new Error('unreachable');
}

test('case 6: killed with SIGKILL (some trials SIGTERM) at random moments and rerun, out.ndjson holds every row exactly once', async (t) => {
  const input = events(300, 11);
  const ref = tempDir();
  writeFileSync(join(ref, 'ev.ndjson'), input);
  const r = await runPipeline(REFERENCE, ref);
  assert.equal(r.code, 0, r.stderr);
  const expected = readFileSync(join(ref, 'ref.ndjson'), 'utf8');
  assert.ok(expected.split('\n').length > 50, 'the reference has rows');

  // An uninterrupted checkpointed run gives the same rows, and tells how long a run takes.
  const clean = tempDir();
  writeFileSync(join(clean, 'ev.ndjson'), input);
  const c = await runPipeline(PIPELINE, clean);
  assert.equal(c.code, 0, c.stderr);
  assert.equal(readFileSync(join(clean, 'out.ndjson'), 'utf8'), expected);

  const started = Date.now();
  let trials = 0;
  let killedMidway = 0;
  let seed = 5;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  // At least MIN_TRIALS however slow the machine is; more while the time budget lasts.
  while (trials < TRIALS && (trials < MIN_TRIALS || Date.now() - started < BUDGET_MS)) {
    trials++;
    const dir = tempDir();
    writeFileSync(join(dir, 'ev.ndjson'), input);
    // Kill the first run somewhere in its life (start-up included), a third of the time the second one too.
    const killAt = [50 + rnd() * c.ms * 1.1];
    if (rnd() < 0.33) killAt.push(50 + rnd() * c.ms);
    // Every fourth trial a Ctrl-C-like SIGTERM to the whole group instead: stages stop cleanly, then the rerun continues.
    const signal = trials % 4 === 0 ? 'SIGTERM' : 'SIGKILL';
    const done = await runUntilDone(dir, killAt, signal);
    killedMidway += done.killedMidway;
    const got = existsSync(join(dir, 'out.ndjson')) ? readFileSync(join(dir, 'out.ndjson'), 'utf8') : '';
    assert.equal(got, expected, `trial ${trials} (${signal} at ${killAt.map((m) => Math.round(m)).join(', ')} ms): ${dir}`);
  }
  t.diagnostic(`${trials} trials, ${killedMidway} runs killed midway`);
  assert.ok(killedMidway >= trials / 2, `most runs were really killed midway (${killedMidway} of ${trials})`);
});

test('cron (Trigger.AvailableNow): each run\'s output is final, a rerun of unchanged input adds nothing, appended lines continue after it (issue 11.8)', async () => {
  const all = events(160, 3).split('\n').filter(Boolean);
  const reference = async (lines: string[]) => {
    const ref = tempDir();
    writeFileSync(join(ref, 'ev.ndjson'), lines.join('\n') + '\n');
    const r = await runPipeline(REFERENCE, ref);
    assert.equal(r.code, 0, r.stderr);
    return readFileSync(join(ref, 'ref.ndjson'), 'utf8');
  };
  const firstRows = await reference(all.slice(0, 60));
  const allRows = await reference(all);

  const dir = tempDir();
  writeFileSync(join(dir, 'ev.ndjson'), all.slice(0, 60).join('\n') + '\n');
  for (let run = 0; run < 2; run++) {
    const r = await runPipeline(PIPELINE, dir);
    assert.equal(r.code, 0, r.stderr);
    // End of input flushed every window into the last committed batch: a rerun has nothing to add.
    assert.equal(readFileSync(join(dir, 'out.ndjson'), 'utf8'), firstRows, `run ${run + 1}`);
  }
  appendFileSync(join(dir, 'ev.ndjson'), all.slice(60).join('\n') + '\n');
  const r = await runPipeline(PIPELINE, dir);
  assert.equal(r.code, 0, r.stderr);
  const out = readFileSync(join(dir, 'out.ndjson'), 'utf8');
  assert.ok(out.startsWith(firstRows), 'the first run\'s rows stay as they were');
  // The windows the first run closed are final (records for them are late now); every later window is as in one run over all lines.
  const ends = (text: string) => text.split('\n').filter(Boolean).map((l) => Date.parse((JSON.parse(l) as { window: { end: string } }).window.end));
  const closedUpTo = Math.max(...ends(firstRows));
  const later = (text: string) => text.split('\n').filter((l) => l !== '' && Date.parse((JSON.parse(l) as { window: { start: string } }).window.start) >= closedUpTo).sort();
  assert.deepEqual(later(out.slice(firstRows.length)), later(allRows));
  assert.ok(later(allRows).length > 0, 'the appended lines open later windows');
});
