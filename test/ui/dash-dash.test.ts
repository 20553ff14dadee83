import { test } from 'node:test';
import assert from 'node:assert/strict';
import { records, sh } from '../helpers/run.js';

// Issue 13.3 (every command but source and sink, whose words after -- are their own):
// after `--` words are positionals, even those that start with a dash, as in every getopt tool.
test('words after -- are the positionals of map, filter, reduce-by-key, window and run', async () => {
  const map = await sh(`sluice map -- '-r.n'`, { input: '{"n":-2}\n' });
  assert.equal(map.code, 0, map.stderr);
  assert.deepEqual(records(map.stdout), [{ value: 2 }]);

  const filter = await sh(`sluice filter --on-error skip -- 'r.n > 2'`, { input: '{"n":1}\n{"n":3}\n' });
  assert.equal(filter.code, 0, filter.stderr);
  assert.deepEqual(records(filter.stdout), [{ n: 3 }]);

  const reduce = await sh(`sluice reduce-by-key --count -- k | sluice sink`, { input: '{"k":"-a"}\n{"k":"-a"}\n' });
  assert.equal(reduce.code, 0, reduce.stderr);
  assert.deepEqual(records(reduce.stdout).map((r) => [r['k'], r['count']]), [['-a', 2]]);

  const window = await sh(`sluice window --time-field ts -- 10s | sluice sink`, { input: '{"ts":"2026-01-01T00:00:01Z"}\n' });
  assert.equal(window.code, 0, window.stderr);
  assert.deepEqual(records(window.stdout)[0]!['window'], { start: '2026-01-01T00:00:00.000Z', end: '2026-01-01T00:00:10.000Z' });

  const run = await sh(`sluice run -- 'map -- "-r.n"'`, { input: '{"n":-2}\n' });
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(records(run.stdout), [{ value: 2 }]);
});

test('a missing or surplus word after -- is a usage error', async () => {
  const none = await sh(`sluice map --`);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /^sluice map: missing <expr>/);
  const surplus = await sh(`sluice map -- r extra`);
  assert.equal(surplus.code, 2);
  assert.match(surplus.stderr, /^sluice map: unexpected argument 'extra' after --/);
});
