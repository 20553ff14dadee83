import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sh, tempDir } from '../helpers/run.js';
import { events, ndjson } from './events.js';

/** Writes a file to stdout in pseudo-random chunks of 1-300 bytes with 0-2 ms pauses (seeded). */
const SLOW_WRITER = `
import { readFileSync } from 'node:fs';
const data = readFileSync(process.argv[2]);
let seed = Number(process.argv[3]) >>> 0;
const next = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
let at = 0;
const step = () => {
  if (at >= data.length) return;
  const n = 1 + Math.floor(next() * 300);
  const chunk = data.subarray(at, at + n);
  at += n;
  const go = () => setTimeout(step, Math.floor(next() * 3));
  if (!process.stdout.write(chunk)) process.stdout.once('drain', go); else go();
};
step();
`;

const STAGES = [
  'sluice window 10s --slide 5s --time-field ts --watermark 5s --late emit | sluice reduce-by-key k --count --sum seq --mode append',
  'sluice window 10s --time-field ts --watermark 2s | sluice reduce-by-key k --count --mode update',
  'sluice window --session 3s --key k --time-field ts --watermark 1s | sluice reduce-by-key k --count --collect seq --mode append',
];

test('chunking independence: window | reduce-by-key give byte-identical output fed at once or slowly in odd chunks', async () => {
  const dir = tempDir('sluice-chunks-');
  // Out of order by up to 4 s against watermarks of 1-5 s: some records are late, deterministically.
  writeFileSync(join(dir, 'ev.ndjson'), ndjson(events(400, 11, 300, 4000)));
  writeFileSync(join(dir, 'slow.mjs'), SLOW_WRITER);
  // The recorded stream (data and control records, 9 batches) is the fixed input.
  const made = await sh('sluice source file ev.ndjson --format json --max-records-per-batch 45 > stream.ndjson', { cwd: dir });
  assert.equal(made.code, 0, made.stderr);
  for (const stages of STAGES) {
    const once = await sh(`cat stream.ndjson | ${stages}`, { cwd: dir });
    assert.equal(once.code, 0, once.stderr);
    assert.ok(once.stdout.split('\n').length > 20, `too little output from ${stages}`);
    for (const seed of [1, 2]) {
      const slow = await sh(`node slow.mjs stream.ndjson ${seed} | ${stages}`, { cwd: dir, timeoutMs: 60_000 });
      assert.equal(slow.code, 0, slow.stderr);
      assert.equal(slow.stdout, once.stdout, `${stages}: output differs with chunking seed ${seed}`);
    }
  }
});
