// Issue 11.15: limits that limit. --max-keys and --max-state-bytes bound the
// total over --parallel N workers; a sliding window cannot fan one record out
// into millions of copies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sh, tempDir } from '../helpers/run.js';
import { sharedStateTotals, StateBudget } from '../../src/engine/window/state-limits.js';

test('--max-keys under --parallel 2 bounds the keys of both workers together (11.15)', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'in.ndjson'), Array.from({ length: 15 }, (_, i) => JSON.stringify({ k: `key${i}` })).join('\n') + '\n');
  const r = await sh(`sluice reduce-by-key k --count --parallel 2 --max-keys 10 --data-only < in.ndjson; echo "status=$?"`, { cwd: dir });
  assert.match(r.stdout, /status=1/, r.stderr);
  // The combine holds the state in the stage's thread (the message is that of one thread); workers that route keys share the totals.
  assert.match(r.stderr, /more than --max-keys 10 keys held in state( across all --parallel workers)?;/);
  const within = await sh(`sluice reduce-by-key k --count --parallel 2 --max-keys 15 --data-only < in.ndjson; echo "status=$?"`, { cwd: dir });
  assert.match(within.stdout, /status=0/, within.stderr);
});

test('budgets sharing totals: the limit applies to their sum, and removing state frees it for all', () => {
  const shared = sharedStateTotals();
  const a = new StateBudget({ maxKeys: 3, maxBytes: 0, shared }, 'keys');
  const b = new StateBudget({ maxKeys: 3, maxBytes: 0, shared }, 'keys');
  a.add(2, 10);
  b.add(1, 10);
  assert.throws(() => b.add(1, 10), /--max-keys 3/);
  b.remove(1, 10);
  a.reset();
  b.add(2, 10);
  assert.equal(new BigInt64Array(shared)[0], 3n);
});

test('a sliding window that would put each record into more than 10,000 windows is a usage error naming both values (11.15)', async () => {
  const r = await sh(`sluice window 1d --slide 1ms < /dev/null; echo "status=$?"`);
  assert.match(r.stdout, /status=2/);
  assert.match(r.stderr, /window 24h --slide 1ms puts every record into 86400000 windows; at most 10000 are allowed/);
  const ok = await sh(`echo '{"a":1}' | sluice window 10s --slide 1ms --data-only; echo "status=$?"`);
  assert.match(ok.stdout, /status=0/, ok.stderr);
  assert.equal(ok.stdout.split('\n').filter((l) => l.startsWith('{')).length, 10_000);
});
