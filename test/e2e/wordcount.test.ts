import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { records, sh, tempDir } from '../helpers/run.js';

test('issue 2 case 1: word count of a file over real pipes', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'w.txt'), 'a b a\nb c\n');
  const r = await sh(`sluice source file w.txt | sluice map --flat 'r.value.split(" ")' | sluice reduce-by-key value --count | sluice sink`, { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const counts = Object.fromEntries(records(r.stdout).map((row) => [row['value'], row['count']]));
  assert.deepEqual(counts, { a: 2, b: 2, c: 1 });
  for (const row of records(r.stdout)) {
    const w = row['window'] as { start: string; end: string };
    assert.match(w.start, /^\d{4}-\d\d-\d\dT/);
    assert.ok(Date.parse(w.end) > Date.parse(w.start));
  }
});
