import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sh, sluiceBin, tempDir } from '../helpers/run.js';

// Issue 13.13: one failure upstream gives one message, not one per stage.
test('a bad record in the first stage: one message, and every stage after it exits 1 quietly', async () => {
  const r = await sh(`printf '{"a":1}\\nnot json\\n' | sluice source --format json | sluice map r | sluice filter true | sluice sink > /dev/null; echo "\${PIPESTATUS[*]}"`);
  assert.equal(r.stdout, '0 1 1 1 1\n');
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^sluice source: stdin:2: invalid JSON/);
});

test('an expression that throws in the middle: one message from that stage', async () => {
  const r = await sh(`printf '{"a":1}\\n' | sluice source --format json | sluice map 'r.x.y' | sluice reduce-by-key --count | sluice sink > /dev/null; echo "\${PIPESTATUS[*]}"`);
  assert.equal(r.stdout, '0 0 1 1 1\n');
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^sluice map: stdin:\d+ \(record \d+ of the stream\): expression 'r\.x\.y' threw/);
});

test('a stage killed without a word: the next stage says so, once', async () => {
  // The source is killed once its stream reached map's output (seen.ndjson is not empty): no fixed sleep.
  const r = await sh(
    `( node ${sluiceBin} source rate --per-second 50 & p=$!; until [ -s seen.ndjson ]; do sleep 0.05; done; kill -9 $p; wait ) 2>/dev/null | sluice map r | tee seen.ndjson | sluice filter true | sluice sink > /dev/null; echo "\${PIPESTATUS[*]}"`,
    { cwd: tempDir(), timeoutMs: 60_000 },
  );
  assert.equal(r.stdout, '0 1 0 1 1\n');
  assert.equal(r.stderr, 'sluice map: input ended without an end-of-stream record: the stage before this one failed or was killed; open batches were not emitted\n');
});
