// Differential test (issue 11, proving it): random pipelines over random data,
// run through the real bin as separate processes joined by pipes and as
// `sluice run`, each compared with the reference model (test/model/model.ts).
//
//   SLUICE_DIFF_CASES=N   how many cases (run-tests sets 12 in the fast tier, 60 in the full one)
//   SLUICE_DIFF_SEED=S    replay exactly the case with seed S (printed on failure)
//   SLUICE_DIFF_ENABLE=a,b generate features that KNOWN_DEFECTS keeps out (generate.ts)
import { test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sh, tempDir } from '../helpers/run.js';
import { assertSameRows, expectedRows, pipeCommand, runCommand } from './compare.js';
import { generateCase, KNOWN_DEFECTS } from './generate.js';

const replay = process.env['SLUICE_DIFF_SEED'];
const count = replay !== undefined ? 1 : Number(process.env['SLUICE_DIFF_CASES'] ?? 12);
const base = replay !== undefined ? Number(replay) : Math.floor(Math.random() * 1e9);

test(`differential: ${count} generated pipelines from seed ${base} (features off for known defects: ${Object.entries(KNOWN_DEFECTS).map(([f, i]) => `${f} = ${i}`).join('; ') || 'none'})`, async (t) => {
  for (let i = 0; i < count; i++) {
    const c = generateCase(base + i);
    await t.test(`seed ${c.seed}: ${c.stages.map((s) => s.argv[0]).join(' | ')}`, { timeout: 120_000 }, async () => {
      const dir = tempDir('sluice-diff-');
      writeFileSync(join(dir, c.file.name), c.file.text);
      const expected = expectedRows(c);
      const pipe = await sh(pipeCommand(c), { cwd: dir, timeoutMs: 60_000 });
      assertSameRows(c, 'separate processes', pipe, expected);
      const run = await sh(runCommand(c), { cwd: dir, timeoutMs: 60_000 });
      assertSameRows(c, 'sluice run', run, expected);
    });
  }
});
