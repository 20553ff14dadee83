// kill -9 of ONE random stage at a random moment in a checkpointed pipeline
// (replayable file source, committing file sink), then the same command again
// until it succeeds: records in = records out, 0 lost, 0 duplicated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sh, tempDir } from '../helpers/run.js';
import { lines, pidOf, sleep, stageFunction } from './harness.js';

// Issue 6 asks for at least 100 trials in the suite: CI runs them all (about 6
// minutes); a developer's local run takes 10 unless SLUICE_CRASH_TRIALS says otherwise.
const TRIALS = Number(process.env['SLUICE_CRASH_TRIALS'] ?? (process.env['CI'] === 'true' ? 100 : 10));
const N = 20_000;
const STAGES = ['src', 'map', 'filter', 'sink'] as const;

const pipeline = (dir: string) =>
  `${stageFunction(dir)}; rm -f *.pid; stage src source file in.ndjson --format json --checkpoint C --max-records-per-batch 500` +
  ` | stage map map '({...r, t: r.seq * 2})' | stage filter filter 'r.t >= 0' | stage sink sink file out.ndjson --checkpoint C`;

test(`kill -9 of a random stage at a random moment, then restart (${TRIALS} trials): 0 lost, 0 duplicated`, { timeout: TRIALS * 60_000 }, async () => {
  let restarts = 0;
  for (let trial = 0; trial < TRIALS; trial++) {
    const dir = tempDir('sluice-crash-');
    writeFileSync(join(dir, 'in.ndjson'), Array.from({ length: N }, (_, seq) => JSON.stringify({ seq })).join('\n') + '\n');
    const victim = STAGES[trial % STAGES.length]!;
    const run = sh(pipeline(dir), { cwd: dir, timeoutMs: 30_000 });
    const pid = await pidOf(dir, victim);
    await sleep(200 + Math.random() * 1200);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already finished: the trial is then a clean run */
    }
    await run;
    let ok = false;
    for (let attempt = 0; attempt < 5 && !ok; attempt++) {
      restarts++;
      const r = await sh(pipeline(dir), { cwd: dir, timeoutMs: 60_000 });
      ok = r.code === 0;
      if (!ok && attempt === 4) assert.fail(`trial ${trial} (${victim}): restart failed: ${r.stderr}`);
    }
    assert.ok(existsSync(join(dir, 'out.ndjson')));
    const seqs = lines(readFileSync(join(dir, 'out.ndjson'), 'utf8')).map((l) => (JSON.parse(l) as { seq: number }).seq);
    const unique = new Set(seqs);
    assert.equal(seqs.length - unique.size, 0, `trial ${trial} (${victim}): duplicated`);
    assert.equal(unique.size, N, `trial ${trial} (${victim}): ${N - unique.size} lost`);
  }
  console.log(`# crash: ${TRIALS} trials, ${TRIALS * N} records in, ${TRIALS * N} out, 0 lost, 0 duplicated, ${restarts} restarts`);
});
