import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { records, repoRoot, sh } from '../helpers/run.js';
import { testNeeding } from '../helpers/tools.js';

const words = join(repoRoot, 'docs', 'samples', 'words.txt');
const FIRST = 'the quick brown fox jumps over the lazy dog';

// Issue 13.10: a foreign reader never sees control records in the common case, and is told about --data-only where it is likely.
testNeeding(['jq'], 'sluice source piped into jq says once how to pass data records only; --data-only gives jq just the data', {}, async () => {
  const plain = await sh(`sluice source file ${words} | jq -c .value`);
  assert.equal(plain.code, 0, plain.stderr);
  const hints = plain.stderr.trimEnd().split('\n');
  assert.equal(hints.length, 1, plain.stderr);
  assert.match(hints[0]!, /^sluice source: stdout goes to jq, which will also see sluice's control records .*add --data-only/);

  const data = await sh(`sluice source file ${words} --data-only | jq -c .value`);
  assert.equal(data.code, 0, data.stderr);
  assert.equal(data.stderr, '');
  assert.equal(data.stdout.split('\n')[0], JSON.stringify(FIRST));
  assert.doesNotMatch(data.stdout, /null/);
});

testNeeding(['jq'], 'no hint inside a sluice pipeline, nor to a byte tool such as head', {}, async () => {
  const pipeline = await sh(`sluice source file ${words} | sluice map --flat 'r.value.split(" ")' | sluice reduce-by-key value --count | sluice sink | jq -c .count`);
  assert.equal(pipeline.code, 0, pipeline.stderr);
  assert.equal(pipeline.stderr, '');
  const head = await sh(`sluice source file ${words} | head -n 1 > /dev/null`);
  assert.equal(head.stderr, '');
});

test('sluice run without a sink ends in the stdout sink: no control records', async () => {
  const r = await sh(`sluice run 'source file ${words} | map --flat "r.value.split(\\" \\")" | reduce-by-key value --count'`);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /__sluice/);
  const counts = new Map(records(r.stdout).map((x) => [x['value'], x['count']]));
  assert.equal(counts.get('the'), 4);
});

// Issue 13.13: --batch on a downstream stage was silently ignored.
test('--batch on a stage downstream of sluice warns once that it is ignored; upstream of it, or from the environment, it does not', async () => {
  const ignored = await sh(`sluice source file ${words} --batch 5s | sluice map r --batch 2s | sluice sink > /dev/null`);
  assert.equal(ignored.code, 0, ignored.stderr);
  assert.equal(
    ignored.stderr,
    'sluice map: --batch 2s is ignored: this stage follows the batches of the sluice stage before it; set the interval where the stream starts (sluice source --batch 2s)\n',
  );
  const foreign = await sh(`cat ${words} | sluice source | sluice sink > /dev/null; printf '{"a":1}\\n' | sluice map r --batch 2s | sluice sink > /dev/null`);
  assert.equal(foreign.stderr, '');
  const env = await sh(`sluice source file ${words} | sluice map r | sluice sink > /dev/null`, { env: { SLUICE_BATCH: '2s' } });
  assert.equal(env.stderr, '');
});
