import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sh } from '../helpers/run.js';

// Issue 13.9: plain text where JSON was expected, and a missing --time-field.
test('text piped into a stage says it looks like text and suggests sluice source', async () => {
  const r = await sh(`echo 'hello world' | sluice map 'r.value' > /dev/null`);
  assert.equal(r.code, 1);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^sluice map: stdin:1: invalid JSON: .*the input looks like plain text, not NDJSON: read text with sluice source \(\.\.\. \| sluice source \| sluice map \.\.\.\)/);
  assert.match(lines[0]!, /or give a source --format text/);
});

test('broken JSON that is not text gets no text hint', async () => {
  const r = await sh(`echo '{"a":1} x' | sluice map r > /dev/null`);
  assert.equal(r.code, 1);
  assert.doesNotMatch(r.stderr, /plain text/);
});

test('a missing --time-field names the closest field present', async () => {
  const r = await sh(`echo '{"t":"2026-01-01T00:00:00Z","k":1}' | sluice window 10s --time-field ts > /dev/null`);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^sluice window: stdin:1: no time field 'ts'; did you mean 't'\? \(fields: t, k\)/);
});
