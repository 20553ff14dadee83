import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sh, tempDir } from '../helpers/run.js';
import { testNeeding } from '../helpers/tools.js';

/** Records with tricky keys (prototype names, numbers vs strings, nested) and several batches. */
function input(): string {
  const keys = ['a', 'b', '__proto__', 'constructor', 'toString', '1', 1, 'ä', ''];
  const out: string[] = [];
  for (let i = 0; i < 3000; i++) {
    out.push(JSON.stringify({ k: keys[(i * 7) % keys.length], n: { g: `g${i % 5}` }, v: i % 13, s: `x${i}` }));
  }
  return out.join('\n') + '\n';
}

for (const [what, args] of [
  ['one field, several aggregates', 'k --count --sum v --min v --max v --avg v --first s --last s'],
  ['two key fields, one nested', 'k n.g --count --collect v'],
  ['a key expression', `--key-expr 'String(r.v % 4)' --count --reduce '({v: a.v + b.v})'`],
] as const) {
  testNeeding(['jq'], `reduce-by-key --parallel 3 gives exactly the rows of --parallel 1, in the same order: ${what}`, {}, async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'in.ndjson'), input());
    // Batches of 400 records, so several batch boundaries pass through the workers.
    // The batches' time ranges come from the wall clock, so windows are left out of the comparison.
    const run = (n: number) =>
      sh(`sluice source file in.ndjson --format json --max-records-per-batch 400 | sluice reduce-by-key ${args} --parallel ${n} | sluice sink | jq -c 'del(.window)'`, { cwd: dir });
    const [one, three] = await Promise.all([run(1), run(3)]);
    assert.equal(one.code, 0, one.stderr);
    assert.equal(three.code, 0, three.stderr);
    assert.ok(one.stdout.split('\n').length > 20);
    assert.equal(three.stdout, one.stdout);
  });
}

test('reduce-by-key --parallel: a bad record fails the stage with its line number, as with one worker', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'in.ndjson'), '{"k":"a","v":1}\n{"k":"b","v":"x"}\n');
  const run = (n: number) => sh(`sluice source file in.ndjson --format json | sluice reduce-by-key k --sum v --parallel ${n} | sluice sink; echo "status=\${PIPESTATUS[1]}"`, { cwd: dir });
  const [one, two] = await Promise.all([run(1), run(2)]);
  assert.match(two.stdout, /status=1/);
  assert.match(two.stderr, /sluice reduce-by-key: stdin:3 \(record 2 of the stream\): sum_v: field 'v' is "x", not a number/);
  assert.equal(two.stderr, one.stderr);
});

test('reduce-by-key --parallel must be a whole number', async () => {
  const r = await sh(`sluice reduce-by-key k --count --parallel 0 < /dev/null; echo "status=$?"`, { cwd: tempDir() });
  assert.match(r.stdout, /status=2/);
  // The option's declared bounds (integer, min 1) are checked by the CLI before the command runs.
  assert.match(r.stderr, /--parallel must be a whole number >= 1 \(got '0'\)/);
});
