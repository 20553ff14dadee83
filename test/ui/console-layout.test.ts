// sink console in Spark's console layout (issue 13.6).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sh, tempDir } from '../helpers/run.js';

const RULE = '-'.repeat(43);

/** Shell: wait until the console output (redirected to out.txt) shows `text`. */
const waitFor = (text: string) => `until grep -q '${text}' out.txt 2>/dev/null; do sleep 0.1; done`;

/** The `Batch: N` numbers in the order printed. */
function batchNumbers(out: string): number[] {
  return [...out.matchAll(/^Batch: (\d+)$/gm)].map((m) => Number(m[1]));
}

test("sink console: Spark's frame, table and row limit", async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'words.txt'), 'apple\nbanana\napple\ncherry\n');
  const r = await sh(`sluice source file words.txt | sluice reduce-by-key value --count | sluice sink console --rows 2`, { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.equal(lines[0], RULE);
  assert.equal(lines[1], 'Batch: 0');
  assert.match(lines[2]!, /^\d{4}-\d\d-\d\dT[\d:.]+Z \.\. \d{4}-\d\d-\d\dT[\d:.]+Z {2}\(batch id 0, 3 rows\)$/);
  assert.equal(lines[3], RULE);
  // The batch's own window is on the line above, not a column.
  assert.deepEqual(lines.slice(4), ['+------+-----+', '| value|count|', '+------+-----+', '| apple|    2|', '|banana|    1|', '+------+-----+', 'only showing top 2 rows', '', '']);
});

test('sink console: cells cut at 20 characters by default, --truncate N, --no-truncate', async () => {
  const dir = tempDir();
  const long = 'abcdefghijklmnopqrstuvwxyz';
  writeFileSync(join(dir, 'in.ndjson'), JSON.stringify({ s: long }) + '\n');
  const table = async (opts: string) => {
    const r = await sh(`sluice source file in.ndjson --format json | sluice sink console ${opts}`, { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.split('\n').filter((l) => l.startsWith('|'))[1];
  };
  assert.equal(await table(''), '|abcdefghijklmnopq...|');
  assert.equal(await table('--truncate 8'), '|abcde...|');
  assert.equal(await table('--no-truncate'), `|${long}|`);
  const bad = await sh(`sluice sink console --truncate -3 < /dev/null; echo "status=$?"`, { cwd: dir });
  assert.match(bad.stdout, /status=2/);
  assert.match(bad.stderr, /--truncate/);
});

test('sink console: Batch: N counts the tables printed, 0, 1, 2..., whatever the batch ids', async () => {
  const dir = tempDir();
  // Bursts with quiet batches between them (each waits for the table before it): the batch ids jump, the numbers do not.
  const r = await sh(
    `(printf 'a\\nb\\n'; ${waitFor('Batch: 0')}; sleep 0.5; printf 'c\\n'; ${waitFor('Batch: 1')}; sleep 0.5; printf 'd\\n') | sluice source --batch 200ms | sluice sink console > out.txt; cat out.txt`,
    { cwd: dir, timeoutMs: 40_000 },
  );
  assert.equal(r.code, 0, r.stderr);
  const numbers = batchNumbers(r.stdout);
  assert.deepEqual(numbers, numbers.map((_, i) => i));
  assert.ok(numbers.length >= 3, r.stdout);
  const ids = [...r.stdout.matchAll(/batch id (\d+)/g)].map((m) => Number(m[1]));
  assert.ok(ids[ids.length - 1]! > numbers.length - 1, `batch ids ${ids.join(',')} did not skip: the test proves nothing`);
});

test('sink console, complete mode without windows: key and aggregates only, printed when the result changed', async () => {
  const dir = tempDir();
  // The input waits for each table before it goes on, then leaves a second of unchanged batches.
  const r = await sh(
    `(printf 'a\\nb\\na\\n'; ${waitFor('Batch: 0')}; printf 'c\\n'; ${waitFor('Batch: 1')}; sleep 1) | sluice source --batch 200ms | sluice reduce-by-key value --count --mode complete | sluice sink console > out.txt; cat out.txt`,
    { cwd: dir, timeoutMs: 40_000 },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /window/);
  // About 15 batches ran; only two results differ.
  assert.deepEqual(batchNumbers(r.stdout), [0, 1]);
  const tables = r.stdout.split(RULE + '\nBatch: ').slice(1);
  assert.deepEqual(tables[0]!.split('\n').filter((l) => l.startsWith('|')), ['|value|count|', '|    a|    2|', '|    b|    1|']);
  assert.deepEqual(tables[1]!.split('\n').filter((l) => l.startsWith('|')), ['|value|count|', '|    a|    2|', '|    b|    1|', '|    c|    1|']);
});

test('sink console: real windows stay a column', async () => {
  const dir = tempDir();
  const rows = [
    { t: '2026-01-01T00:00:10Z', k: 'a' },
    { t: '2026-01-01T00:01:10Z', k: 'a' },
  ];
  writeFileSync(join(dir, 'in.ndjson'), rows.map((x) => JSON.stringify(x)).join('\n') + '\n');
  const r = await sh(`sluice source file in.ndjson --format json | sluice window 1m --time-field t | sluice reduce-by-key k --count | sluice sink console --no-truncate`, { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\|window +\|k +\|count\|/);
  assert.match(r.stdout, /2026-01-01T00:00:00.000Z/);
  assert.match(r.stdout, /2026-01-01T00:01:00.000Z/);
});
