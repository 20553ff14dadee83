import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expected, got, lines, pipeline } from '../helpers/connectors.js';
import { sh, tempDir } from '../helpers/run.js';

test('issue 4 case 4: across a restart with the same checkpoint, no file is missed or repeated', async () => {
  const dir = tempDir();
  const ck = '--checkpoint ck';
  const first = await pipeline(dir, `for n in 1 2 3; do mk $n $n; sleep 0.15; done`, ck, ck);
  assert.match(first.stdout, /rc=130/, lines(dir, 'err.txt').join('\n'));
  // Files arrive while nothing runs, and while the second run runs.
  await sh(`mkdir -p staged; for n in 4 5; do for j in $(seq 1 $n); do echo "$n.$j"; done > staged/$n; mv staged/$n incoming/$n; done`, { cwd: dir });
  const second = await pipeline(dir, `for n in 6 7; do mk $n $n; sleep 0.15; done`, ck, ck);
  assert.match(second.stdout, /rc=130/, lines(dir, 'err.txt').join('\n'));
  assert.deepEqual([...got(dir)].sort(), expected([1, 2, 3, 4, 5, 6, 7]).sort());
});

