// Issue 11.16 (part): in text format a line of spaces is data; only empty lines
// are skipped, and line numbers in diagnostics still count them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sh, tempDir } from '../helpers/run.js';

test('text: whitespace-only lines become records, empty lines (also CRLF ones) are skipped', async () => {
  const dir = tempDir('sluice-blank-');
  writeFileSync(join(dir, 'in.txt'), 'a\n   \n\n\t\r\n\r\nb\n');
  const r = await sh('sluice source file in.txt --data-only', { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.split('\n').filter(Boolean), ['{"value":"a"}', '{"value":"   "}', '{"value":"\\t"}', '{"value":"b"}']);
});

test('json: blank lines hold no record and still count in line numbers', async () => {
  const dir = tempDir('sluice-blank-');
  writeFileSync(join(dir, 'in.ndjson'), '{"a":1}\n  \n\n{"a":\n');
  const r = await sh('sluice source file in.ndjson --format json --on-error skip --data-only', { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '{"a":1}\n');
  assert.match(r.stderr, /^sluice source: in\.ndjson:4: invalid JSON/);
});
