import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sh, tempDir } from '../helpers/run.js';
import { runPipeline } from './kill.js';

const INPUT = Array.from({ length: 400 }, (_, i) => JSON.stringify({ n: i, pad: 'x'.repeat(i % 17) })).join('\n') + '\n';

function readParts(dir: string): string {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ndjson'))
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('');
}

for (const roll of ['--roll batch', '--roll-bytes 700']) {
  test(`sink file ${roll}: part files, exactly once after kill -9 and restart`, async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'in.ndjson'), INPUT);
    const pipeline = `sluice source file in.ndjson --format json --checkpoint C --max-records-per-batch 20 | sluice sink file out ${roll} --checkpoint C`;
    for (const killAt of [300, 600]) await runPipeline(pipeline, dir, killAt);
    const r = await runPipeline(pipeline, dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readParts(join(dir, 'out')), INPUT);
    const names = readdirSync(join(dir, 'out'));
    assert.ok(names.every((n) => /^part-\d{10}\.ndjson$/.test(n)), names.join(' '));
    assert.ok(names.length > 1, 'more than one part');
  });
}

test('--roll without --checkpoint is a usage error', async () => {
  const r = await sh('sluice sink file out --roll batch < /dev/null', { cwd: tempDir() });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--roll and --roll-bytes need --checkpoint DIR/);
});
