import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sh } from '../helpers/run.js';

// Issue 13.12: under sluice run, a later stage's reading options mean what they mean in the pipe.
const DEEP = '{"a":{"b":1}}\n';

test('--max-depth on a later stage of run fails a deep record as the pipe does', async () => {
  const pipe = await sh(`sluice map r | sluice reduce-by-key --count --max-depth 1 > /dev/null`, { input: DEEP });
  const run = await sh(`sluice run 'map r | reduce-by-key --count --max-depth 1' > /dev/null`, { input: DEEP });
  assert.equal(pipe.code, 1);
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /nesting deeper than 1 levels \(--max-depth\)/);
  const roomy = await sh(`sluice run 'map r | reduce-by-key --count --max-depth 5' > /dev/null`, { input: DEEP });
  assert.equal(roomy.code, 0, roomy.stderr);
});

test('an option of another kind inside run is a usage error naming the stage', async () => {
  const r = await sh(`sluice run 'source rate --listen 80 | sink'`);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /stage 1 \(source\): --listen applies to source socket, not to source rate/);
});
