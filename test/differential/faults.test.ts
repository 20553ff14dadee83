// Differential test with faults (issue 11, proving it): a generated
// checkpointed pipeline (replayable file source, committing file sink, every
// stateful stage with the same --checkpoint) has one random stage killed
// (kill -9 or SIGTERM) at a random moment, then the same command is run again
// until it succeeds. The output file must equal the model's output for the
// whole input: nothing lost, nothing twice.
//
//   SLUICE_DIFF_FAULTS=N   how many trials (run-tests sets 3 in the fast tier, 30 in the full one)
//   SLUICE_DIFF_SEED=S     replay exactly the trial with seed S (printed on failure)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sh, tempDir } from '../helpers/run.js';
import { pidOf, sleep, stageFunction } from '../robustness/harness.js';
import { rng } from '../window/events.js';
import { actualRows, expectedRows, multisetMinus } from './compare.js';
import { generateFaultCase, KNOWN_DEFECTS } from './generate.js';

const replay = process.env['SLUICE_DIFF_SEED'];
const trials = replay !== undefined ? 1 : Number(process.env['SLUICE_DIFF_FAULTS'] ?? 3);
const base = replay !== undefined ? Number(replay) : Math.floor(Math.random() * 1e9);

test(`differential with faults: ${trials} checkpointed pipelines from seed ${base}, one stage killed each, rerun: output equals the model`, { timeout: trials * 180_000 }, async (t) => {
  const tally = { trials: 0, killedMidRun: 0, restarts: 0, rowsExpected: 0, lost: 0, duplicated: 0 };
  for (let i = 0; i < trials; i++) {
    const c = generateFaultCase(base + i);
    const r = rng(c.seed);
    const victim = Math.floor(r() * c.stages.length);
    const signal: NodeJS.Signals = r() < 0.6 ? 'SIGKILL' : 'SIGTERM';
    const delayMs = Math.floor(r() * 2500);
    const dir = tempDir('sluice-diff-fault-');
    writeFileSync(join(dir, c.file.name), c.file.text);
    const command = `${stageFunction(dir)}; rm -f *.pid; ${c.stages.map((s, k) => `stage s${k} ${s.argv.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ')}`).join(' | ')}`;
    const replayHint = `replay: SLUICE_DIFF_SEED=${c.seed} node scripts/run-tests.mjs differential/faults; ${signal} to stage ${victim} (${c.stages[victim]!.argv[0]}) after ${delayMs} ms\n  ${command.slice(command.indexOf('rm -f'))}`;

    const first = sh(command, { cwd: dir, timeoutMs: 120_000 });
    const pid = await pidOf(dir, `s${victim}`, 30_000);
    await sleep(delayMs);
    let landed = true;
    try {
      process.kill(pid, signal);
    } catch {
      landed = false; // it had finished: a clean run
    }
    const firstResult = await first;
    if (landed && firstResult.code !== 0) tally.killedMidRun++;
    let last = firstResult;
    for (let attempt = 0; attempt < 5 && last.code !== 0; attempt++) {
      tally.restarts++;
      last = await sh(command, { cwd: dir, timeoutMs: 120_000 });
    }
    assert.equal(last.code, 0, `the rerun did not succeed: ${last.stderr}\n${replayHint}`);
    const out = join(dir, 'out.ndjson');
    const actual = existsSync(out) ? actualRows(c, readFileSync(out, 'utf8')) : [];
    const expected = expectedRows(c);
    const lost = multisetMinus(expected, actual);
    const extra = multisetMinus(actual, expected);
    tally.trials++;
    tally.rowsExpected += expected.length;
    tally.lost += lost.length;
    tally.duplicated += extra.length;
    const order = (rows: string[]) => (c.ordered ? rows : [...rows].sort());
    assert.ok(
      JSON.stringify(order(actual)) === JSON.stringify(order(expected)),
      [
        `output differs from the model after ${signal} of stage ${victim} and restart: ${lost.length} rows lost, ${extra.length} extra (${actual.length} rows, model ${expected.length})`,
        'lost:',
        ...lost.slice(0, 10).map((x) => '  ' + x),
        'extra:',
        ...extra.slice(0, 10).map((x) => '  ' + x),
        replayHint,
        `first run: exit ${firstResult.code}, stderr: ${firstResult.stderr}`,
      ].join('\n'),
    );
  }
  t.diagnostic(`faults: ${JSON.stringify(tally)} (known defects kept out: ${Object.keys(KNOWN_DEFECTS).join(', ')})`);
  console.log(`# differential faults: ${tally.trials} trials from seed ${base}, ${tally.killedMidRun} killed mid-run, ${tally.restarts} restarts, ${tally.rowsExpected} rows expected, ${tally.lost} lost, ${tally.duplicated} duplicated`);
});
