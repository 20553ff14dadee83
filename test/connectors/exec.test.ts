import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { records, sh, tempDir } from '../helpers/run.js';

const dangerous = ['a; rm -rf ./victim', '$(touch pwned1)', '`touch pwned2`', 'b && touch pwned3 #', "'; touch pwned4; '", '| touch pwned5'];

test('sink exec: data never reaches a shell or the argument list; records arrive on stdin as NDJSON', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'data.txt'), dangerous.join('\n') + '\n');
  writeFileSync(join(dir, 'victim'), 'still here');
  const r = await sh(`sluice source file data.txt | sluice sink exec -- sh -c 'cat > got.ndjson; printf "%s|" "$0" "$@" > argv.txt' '$(touch pwned6)' '*'`, { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    records(readFileSync(join(dir, 'got.ndjson'), 'utf8')).map((x) => x['value']),
    dangerous,
  );
  // Arguments are passed as given: no expansion, no globbing.
  assert.equal(readFileSync(join(dir, 'argv.txt'), 'utf8'), '$(touch pwned6)|*|');
  for (let i = 1; i <= 6; i++) assert.equal(existsSync(join(dir, `pwned${i}`)), false, `pwned${i} exists`);
  assert.equal(readFileSync(join(dir, 'victim'), 'utf8'), 'still here');
});

test('sink exec: batch id and time range in the environment; the command runs once per batch that has rows', async () => {
  const dir = tempDir();
  const r = await sh(
    `sluice source rate --per-second 20 --limit 12 --batch 200ms | sluice sink exec -- sh -c 'n=$(wc -l); echo "$SLUICE_BATCH_ID $SLUICE_BATCH_START $SLUICE_BATCH_END $SLUICE_RECORDS $n"'`,
    { cwd: dir },
  );
  assert.equal(r.code, 0, r.stderr);
  const runs = r.stdout.trim().split('\n').map((l) => l.split(' '));
  assert.ok(runs.length >= 2, r.stdout);
  let total = 0;
  for (const [id, start, end, recs, n] of runs) {
    assert.match(id!, /^\d+$/);
    assert.ok(Date.parse(end!) > Date.parse(start!), `${start} .. ${end}`);
    assert.equal(recs, n);
    assert.ok(Number(n) > 0, 'a batch without rows ran the command');
    total += Number(n);
  }
  assert.equal(total, 12);
  assert.deepEqual(runs.map((x) => Number(x[0])), [...runs.map((x) => Number(x[0]))].sort((a, b) => a - b));
});

test('sink exec: a failing command is retried, then the stage fails with exit 1 and says so', async () => {
  const dir = tempDir();
  const r = await sh(
    `printf 'a\\nb\\n' | sluice source | sluice sink exec --retries 2 --retry-backoff 50ms -- sh -c 'echo run >> runs.txt; cat > /dev/null; exit 3'; echo "status=$?"`,
    { cwd: dir },
  );
  assert.match(r.stdout, /status=1/);
  assert.equal(readFileSync(join(dir, 'runs.txt'), 'utf8'), 'run\nrun\nrun\n');
  assert.match(r.stderr, /sluice sink: exec: batch 0 \(2 records\): sh exited with status 3; gave up after 2 retries/);
});

test('sink exec: a retry that succeeds gets the same batch again, and the stage succeeds', async () => {
  const dir = tempDir();
  const r = await sh(
    `printf 'a\\nb\\n' | sluice source | sluice sink exec --retry-backoff 50ms -- sh -c 'if [ -e tried ]; then cat >> got.ndjson; else touch tried; exit 1; fi'`,
    { cwd: dir },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(records(readFileSync(join(dir, 'got.ndjson'), 'utf8')), [{ value: 'a' }, { value: 'b' }]);
  assert.match(r.stderr, /retry 1 of 2/);
});

test('sink exec: a program that does not exist fails at once with a clear error', async () => {
  const r = await sh(`printf 'a\\n' | sluice source | sluice sink exec -- ./no-such-program-here; echo "status=$?"`, { cwd: tempDir() });
  assert.match(r.stdout, /status=1/);
  assert.match(r.stderr, /no-such-program-here cannot run: not found; not retried/);
});

test('sink exec --per window: once per window of a batch, with the window in the environment', async () => {
  const dir = tempDir();
  const w1 = { start: '2026-01-01T00:00:00.000Z', end: '2026-01-01T00:01:00.000Z' };
  const w2 = { start: '2026-01-01T00:01:00.000Z', end: '2026-01-01T00:02:00.000Z' };
  const input = [{ k: 'a', window: w1 }, { k: 'b', window: w2 }, { k: 'c', window: w1 }].map((x) => JSON.stringify(x)).join('\n') + '\n';
  writeFileSync(join(dir, 'in.ndjson'), input);
  const r = await sh(`sluice source file in.ndjson --format json | sluice sink exec --per window -- sh -c 'echo "$SLUICE_WINDOW_START $(wc -l)"'`, { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${w1.start} 2\n${w2.start} 1\n`);
});

test('sink exec without a command is a usage error', async () => {
  const r = await sh(`sluice sink exec < /dev/null; echo "status=$?"`, { cwd: tempDir() });
  assert.match(r.stdout, /status=2/);
  assert.match(r.stderr, /needs a command after '--'/);
});
