import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { sh, tempDir } from '../helpers/run.js';

// `source file --format json` checks lines by the learned layouts of the field
// projector when downstream says what it reads (issue 12.1b): the real bin
// prints the same records and diagnostics with and without the fast paths.

const scalar = fc.oneof(fc.integer({ min: -9, max: 9 }), fc.constantFrom('x', 'y z', '"', '\\', 'é', '\u0001', null, true, 1.5, 1e21, -0), fc.double({ noNaN: true, noDefaultInfinity: true }));
const value = fc.oneof({ weight: 6, arbitrary: scalar }, { weight: 1, arbitrary: fc.constantFrom({ start: 'a', end: 'b' }, [1, 'x'], { n: { m: 1 } }, [[1]]) });
const layout = fc.shuffledSubarray(['a', 'b', 'ts', 'window'], { minLength: 1 });
/** Texts no JSON value is written as, and some that JSON.parse reads specially; one may take a value's place in a line of the layout. */
const badText = fc.constantFrom('01', '1.', '-', '+1', '.5', '"a\\"', '"\t"', 'tru', 'nul', '{"x":1,}', '[1,]', ' 1', '1e400', '-0', '"\\u0041"', '{"x":{"y":[1]}}');
const lineOf = (keys: string[], values: unknown[], bad?: [number, string]) =>
  `{${keys.map((k, i) => `${JSON.stringify(k)}:${bad && bad[0] % keys.length === i ? bad[1] : JSON.stringify(values[i])}`).join(',')}}`;
const odd = fc.constantFrom('{"a":01}', '{"a":1,}', '{"a":1} x', ' {"a":1}', '{"a": 1}', 'not json', '', '[1]', '{"a":1e400}', '{"a":"\\u0041","b":2}', '{"a":1,"a":2}');
const row = fc.tuple(fc.array(value, { minLength: 4, maxLength: 4 }), fc.option(fc.tuple(fc.nat(), badText), { freq: 2, nil: undefined }));
const file = fc.tuple(layout, fc.array(row, { minLength: 1, maxLength: 30 }), fc.array(odd, { maxLength: 4 }), fc.nat()).map(([keys, rows, bad, at]) => {
  const lines = rows.map(([values, twist]) => lineOf(keys, values, twist));
  lines.splice(at % (lines.length + 1), 0, ...bad);
  return lines.join('\n') + '\n';
});

test('source file --format json prints the same records and diagnostics with and without the fast paths', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  // Each file holds several layouts one after another, as a stream whose producer changed.
  const samples = fc.sample(fc.array(file, { minLength: 4, maxLength: 4 }), { numRuns: 4, seed: 12 }).map((parts) => parts.join(''));
  let printed = 0;
  for (const [i, text] of samples.entries()) {
    const path = join(dir, `in-${i}.ndjson`);
    writeFileSync(path, text);
    for (const command of [
      `sluice source file ${path} --format json --data-only --on-error skip --max-depth 2`,
      `sluice run 'source file ${path} --format json --on-error skip | reduce-by-key a --count --sum b'`,
    ]) {
      const fast = await sh(command);
      const general = await sh(command, { env: { SLUICE_FAST: '0' } });
      // The batch's window is stamped with the wall clock: compare the rest.
      const unstamped = (s: string) => s.replace(/"window":\{[^}]*\}/g, '"window":{}');
      assert.deepEqual([fast.code, unstamped(fast.stdout), fast.stderr], [general.code, unstamped(general.stdout), general.stderr], `${command}\n${text}`);
      printed += fast.stdout.length;
    }
  }
  assert.ok(printed > 0, 'some records got through');
});
