// A checkpointed bounded file source stopped by SIGTERM, then rerun: the
// output equals an uninterrupted run's even in update mode, whose rows depend
// on where batches are cut. The stopped source must not close its half batch
// (a cut an uninterrupted run never makes); the rerun replays it whole.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sh, tempDir } from '../helpers/run.js';
import { pidOf, sleep, stageFunction, waitFor } from '../robustness/harness.js';

const STAGES = [
  `stage src source file in.ndjson --format json --max-records-per-batch 7 --checkpoint C`,
  `stage red reduce-by-key k --count --sum n --mode update --checkpoint C`,
  `stage out sink file out.ndjson --checkpoint C`,
];
const TRIALS = 4;

function input(lines: number): string {
  let seed = 17;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  return Array.from({ length: lines }, (_, i) => JSON.stringify({ k: `k${Math.floor(rnd() * 40)}`, n: i % 13 })).join('\n') + '\n';
}

/** The input, with one fixed modification time: a bounded file's batches are stamped with it. */
function writeInput(dir: string, text: string): void {
  writeFileSync(join(dir, 'in.ndjson'), text);
  utimesSync(join(dir, 'in.ndjson'), 1_767_225_600, 1_767_225_600);
}

const command = (dir: string) => `${stageFunction(dir)}; rm -f *.pid; ${STAGES.join(' | ')}`;

test(`SIGTERM to a checkpointed bounded source mid-run, then a rerun: update-mode output equals an uninterrupted run (${TRIALS} trials)`, { timeout: TRIALS * 120_000 }, async (t) => {
  const text = input(3000);
  const clean = tempDir('sluice-stop-cuts-');
  writeInput(clean, text);
  const whole = await sh(command(clean), { cwd: clean, timeoutMs: 120_000 });
  assert.equal(whole.code, 0, whole.stderr);
  const expected = readFileSync(join(clean, 'out.ndjson'), 'utf8');
  assert.ok(expected.split('\n').length > 1000, 'update mode gives many rows (one per key per batch)');

  let stoppedMidway = 0;
  for (let trial = 0; trial < TRIALS; trial++) {
    const dir = tempDir('sluice-stop-cuts-');
    writeInput(dir, text);
    const first = sh(command(dir), { cwd: dir, timeoutMs: 120_000 });
    const pid = await pidOf(dir, 'src', 30_000);
    // Once batches reach the sink, stop the source a little later.
    await waitFor(() => existsSync(join(dir, 'out.ndjson')) && statSync(join(dir, 'out.ndjson')).size > 0, 60_000).catch(() => undefined);
    await sleep(trial * 40);
    let landed = true;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      landed = false;
    }
    const r1 = await first;
    if (landed && r1.code !== 0) stoppedMidway++;
    const r2 = await sh(command(dir), { cwd: dir, timeoutMs: 120_000 });
    assert.equal(r2.code, 0, r2.stderr);
    assert.equal(readFileSync(join(dir, 'out.ndjson'), 'utf8'), expected, `trial ${trial}: ${dir} (first run exit ${r1.code})`);
  }
  t.diagnostic(`${stoppedMidway} of ${TRIALS} first runs stopped midway`);
  assert.ok(stoppedMidway >= TRIALS / 2, `most first runs were stopped midway (${stoppedMidway} of ${TRIALS})`);
});
