import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { sh, tempDir } from '../helpers/run.js';

// Under `sluice run` the window stage hands reduce-by-key each windowed
// line's fields (TakesCheckedLines), or a spliced line to its own line reader
// (takeLine), where a pipe would carry the line: a window followed by
// reduce-by-key must print exactly what the general path and the pipe print,
// late records, odd values and bad lines included, whichever fields the key
// reads (before, after or at the time field).

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

/** Files of several reads (whole reads take the fast paths from the second on), times mostly in order, some late. */
const ordered = fc.tuple(fc.integer({ min: -40_000, max: 2_000 }), key, key, amount, fc.integer({ min: 0, max: 40 }));
const long = fc.tuple(fc.array(ordered, { minLength: 1500, maxLength: 2000 }), fc.array(odd, { maxLength: 3 }), fc.nat()).map(([items, bad, at]) => {
  const lines = items.map(([jitter, a, b, n, shape], i) => {
    const ts = new Date(T0 + i * 300 + jitter).toISOString();
    // Mostly two layouts (fields before and after the time), now and then one nested too deep for a layout.
    const r: Record<string, unknown> = shape < 25 ? { ts, a, b, n, ua: 'Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101' } : shape < 40 ? { a, n, ts, extra: { deep: 1 }, b } : { a, n, ts, extra: { deep: [1] }, b };
    return JSON.stringify(r);
  });
  lines.splice(at % (lines.length + 1), 0, ...bad);
  return lines.join('\n') + '\n';
});

test('sluice run: window then reduce-by-key prints the same with and without the fast paths', { timeout: 300_000 }, async () => {
  const dir = tempDir();
  const samples = [...fc.sample(file, { numRuns: 3, seed: 27 }), ...fc.sample(long, { numRuns: 3, seed: 28 })];
  let rows = 0;
  for (const [i, text] of samples.entries()) {
    const path = join(dir, `in-${i}.ndjson`);
    writeFileSync(path, text);
    for (const [m, mode] of ['batch', 'update', 'append'].entries()) {
      const reduce = ['a b --count --sum n --avg n --max n', 'ts --count', 'b extra --count --min n'][(i + m) % 3]!;
      const perBatch = text.length > 65536 ? '' : ' --max-records-per-batch 7';
      const stages = [`source file ${path} --format json --on-error skip${perBatch}`, 'window 1m --time-field ts --watermark 30s', `reduce-by-key ${reduce} --mode ${mode} --on-error skip`, 'sink'];
      const command = `sluice run '${stages.join(' | ')}'`;
      const fast = await sh(command);
      const general = await sh(command, { env: { SLUICE_FAST: '0' } });
      assert.deepEqual([fast.code, fast.stdout, fast.stderr], [general.code, general.stdout, general.stderr], `${command}\n${text}`);
      const pipe = await sh(stages.map((s) => `sluice ${s}`).join(' | '));
      assert.deepEqual([fast.code, fast.stdout], [pipe.code, pipe.stdout], `the pipe of ${command}\n${text}`);
      rows += fast.stdout.split('\n').filter(Boolean).length;
    }
  }
  assert.ok(rows > 0, 'some rows were printed');
});
