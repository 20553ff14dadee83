// Issue 11.9: --status (or SLUICE_STATUS=1) on a stateful stage must not turn
// off the saving and restoring of its state under --checkpoint. The status
// line is drawn only when stderr is a terminal, so the pipeline runs under
// script(1), which gives it one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { records, sh, sluiceBin, tempDir } from '../helpers/run.js';

const PIPELINE =
  'sluice source file in.ndjson --format json --checkpoint cp' +
  ' | sluice window 1m --time-field ts --checkpoint cp --status' +
  ' | sluice reduce-by-key --count --mode append --checkpoint cp' +
  ' | sluice sink file out.ndjson --checkpoint cp';

const ndjson = (ts: string) => JSON.stringify({ ts }) + '\n';

test('--status and SLUICE_STATUS=1 on window and reduce-by-key keep saving and restoring their state (11.9)', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'in.ndjson'), ['2026-01-01T00:00:10Z', '2026-01-01T00:00:20Z', '2026-01-01T00:01:10Z'].map(ndjson).join(''));
  // script(1) runs the line in a new shell: the bin is named by its path there.
  const line = PIPELINE.replaceAll('sluice ', `node ${sluiceBin} `);
  const run = () => sh(`script -qec ${JSON.stringify(line)} /dev/null`, { cwd: dir, env: { SLUICE_STATUS: '1' } });
  const first = await run();
  assert.equal(first.code, 0, first.stdout);
  for (const role of ['window', 'reduce-by-key']) {
    assert.ok(readdirSync(join(dir, 'cp', role)).some((f) => /^state-\d+\.json$/.test(f)), `${role} saved its state: ${readdirSync(join(dir, 'cp', role)).join(', ')}`);
  }
  // Restored state knows minute 1 was emitted: its late record is dropped, not counted again from an empty state.
  appendFileSync(join(dir, 'in.ndjson'), ['2026-01-01T00:01:20Z', '2026-01-01T00:02:10Z', '2026-01-01T00:02:20Z'].map(ndjson).join(''));
  const second = await run();
  assert.equal(second.code, 0, second.stdout);
  assert.doesNotMatch(second.stdout, /holds no state/);
  assert.deepEqual(records(readFileSync(join(dir, 'out.ndjson'), 'utf8')).map((r) => [(r['window'] as { start: string }).start.slice(14, 16), r['count']]), [
    ['00', 2],
    ['01', 1],
    ['02', 2],
  ]);
});
