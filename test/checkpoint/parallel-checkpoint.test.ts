import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sh, tempDir } from '../helpers/run.js';
import { events, runPipeline } from './kill.js';

// reduce-by-key --parallel N --checkpoint (issue 12.4): under the map-side
// combine the stage's own thread holds the whole state, so it is checkpointed
// and restored as with one worker; the workers learn the restored watermark
// (records of windows it closed are late). A run, a rerun over appended input
// and a rerun over unchanged input write exactly what --parallel 1 writes.
const pipeline = (n: number, mode: string) =>
  'sluice source file ev.ndjson --format json --checkpoint C --max-records-per-batch 10' +
  ' | sluice window 5s --time-field ts --watermark 1s --checkpoint C' +
  ` | sluice reduce-by-key k --count --first ts --last ts --mode ${mode} --parallel ${n} --checkpoint C` +
  ' | sluice sink file out.ndjson --checkpoint C';

for (const mode of ['update', 'complete', 'append']) {
  test(`--parallel 2 --checkpoint --mode ${mode}: restored state continues as with one worker`, { timeout: 120_000 }, async () => {
    const all = events(160, 11).split('\n').filter(Boolean);
    const outputs: string[] = [];
    for (const n of [1, 2]) {
      const dir = tempDir();
      writeFileSync(join(dir, 'ev.ndjson'), all.slice(0, 70).join('\n') + '\n');
      for (const step of ['first', 'appended', 'unchanged']) {
        if (step === 'appended') appendFileSync(join(dir, 'ev.ndjson'), all.slice(70).join('\n') + '\n');
        const r = await runPipeline(pipeline(n, mode), dir);
        assert.equal(r.code, 0, `--parallel ${n}, ${step} run: ${r.stderr}`);
      }
      outputs.push(readFileSync(join(dir, 'out.ndjson'), 'utf8'));
    }
    assert.ok(outputs[0]!.split('\n').length > 10, outputs[0]);
    assert.equal(outputs[1], outputs[0]);
  });
}

test('--parallel with --checkpoint and --collect (which cannot be combined) is a usage error', async () => {
  const r = await sh(`sluice reduce-by-key k --collect v --parallel 2 --checkpoint C < /dev/null; echo "status=$?"`, { cwd: tempDir() });
  assert.match(r.stdout, /status=2/);
  assert.match(r.stderr, /--parallel with --checkpoint needs aggregates whose partial results merge/);
});
