// Issue 11.16: downstream of `sluice source` an error names the stage's stdin
// line (control lines included) and the record's number in the stream, which
// is the source file's line when every line became a record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sh, tempDir } from '../helpers/run.js';

test('a bad record behind sluice source is named by the stream record that is the file line (11.16)', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'in.ndjson'), '{"a":1}\n{"a":"x"}\n{"a":2}\n');
  const r = await sh(`sluice source file in.ndjson --format json | sluice reduce-by-key --sum a | sluice sink`, { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^sluice reduce-by-key: stdin:3 \(record 2 of the stream\): sum_a: field 'a' is "x", not a number/m);
  // Plain NDJSON (no control lines): the line is the record.
  const plain = await sh(`sluice reduce-by-key --sum a < in.ndjson`, { cwd: dir });
  assert.equal(plain.code, 1);
  assert.match(plain.stderr, /^sluice reduce-by-key: stdin:2: sum_a: field 'a' is "x", not a number/m);
});
