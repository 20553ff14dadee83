// sink file (append, no checkpoint) after a writer was killed mid-line: the
// torn last line is ended first, so the next record stays a readable line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sh, tempDir } from '../helpers/run.js';

test('sink file appends after a torn last line on a line of its own', async () => {
  const dir = tempDir();
  const out = join(dir, 'out.ndjson');
  writeFileSync(out, '{"a":1}\n{"a":');
  const r = await sh(`echo '{"b":2}' | sluice sink file out.ndjson`, { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(out, 'utf8'), '{"a":1}\n{"a":\n{"b":2}\n');
  // A complete last line gets nothing added.
  const again = await sh(`echo '{"c":3}' | sluice sink file out.ndjson`, { cwd: dir });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(readFileSync(out, 'utf8'), '{"a":1}\n{"a":\n{"b":2}\n{"c":3}\n');
});
