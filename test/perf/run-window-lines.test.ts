import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { sh, tempDir } from '../helpers/run.js';

// Under `sluice run` the pipe boundary hands a stage's spliced line to the
// next stage's own line reader (its declared takeLine), as a pipe would: a
// window followed by reduce-by-key must print exactly what the general path
// prints, late records, odd values and bad lines included.

const T0 = Date.parse('2026-03-01T10:00:00Z');
const key = fc.constantFrom('x', 'y', 'é', 'a"b', 1, 2.5, null, true, undefined);
const amount = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom(0.5, null, 'seven', undefined, 1e300));
const time = fc.integer({ min: -20_000, max: 400_000 }).map((ms) => new Date(T0 + ms).toISOString());
const odd = fc.constantFrom('not json', '{"ts":"yesterday","a":"x"}', '{"a":"x"}', '{"ts":"2026-03-01T10:00:01Z","a":"x","n":01}', '[1]', '{"ts":"2026-03-01T10:00:02.5+01:00","a":"x"}');
const record = fc.tuple(time, key, key, amount, fc.boolean()).map(([ts, a, b, n, first]) => {
  const r: Record<string, unknown> = first ? { ts, a, b, n } : { a, n, ts, extra: { deep: [1] }, b };
  return JSON.stringify(r);
});
const file = fc.tuple(fc.array(record, { minLength: 1, maxLength: 60 }), fc.array(odd, { maxLength: 3 }), fc.nat()).map(([lines, bad, at]) => {
  lines.splice(at % (lines.length + 1), 0, ...bad);
  return lines.join('\n') + '\n';
});

test('sluice run: window then reduce-by-key prints the same with and without the fast paths', { timeout: 180_000 }, async () => {
  const dir = tempDir();
  const samples = fc.sample(file, { numRuns: 5, seed: 27 });
  let rows = 0;
  for (const [i, text] of samples.entries()) {
    const path = join(dir, `in-${i}.ndjson`);
    writeFileSync(path, text);
    for (const mode of ['batch', 'update', 'append']) {
      const command = `sluice run 'source file ${path} --format json --on-error skip --max-records-per-batch 7 | window 1m --time-field ts --watermark 30s | reduce-by-key a b --count --sum n --avg n --max n --mode ${mode} --on-error skip | sink'`;
      const fast = await sh(command);
      const general = await sh(command, { env: { SLUICE_FAST: '0' } });
      assert.deepEqual([fast.code, fast.stdout, fast.stderr], [general.code, general.stdout, general.stderr], `${command}\n${text}`);
      rows += fast.stdout.split('\n').filter(Boolean).length;
    }
  }
  assert.ok(rows > 0, 'some rows were printed');
});
