// A sink that commits after handing a batch on (stdout with --checkpoint) must
// not commit what is still queued inside its process: a write into a full pipe
// returns true below the high-water mark while the bytes wait in the process,
// and a kill -9 then loses batches that are already committed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sh, tempDir } from '../helpers/run.js';
import { lines, pidOf, sleep, stageFunction } from './harness.js';

test('stdout sink --checkpoint into a reader that has stopped reading: after kill -9 every committed record was delivered', { timeout: 60_000 }, async () => {
  const dir = tempDir('sluice-handed-on-');
  const input = Array.from({ length: 5000 }, (_, seq) => JSON.stringify({ seq, pad: 'x'.repeat(40) })).join('\n') + '\n';
  writeFileSync(join(dir, 'in.ndjson'), input);
  // The reader waits for the file `go`, so the pipe fills and the sink's writes queue up.
  const run = sh(
    `${stageFunction(dir)}; stage src source file in.ndjson --format json --checkpoint C --max-records-per-batch 20` +
      ` | stage sink sink --checkpoint C | (while [ ! -e go ]; do sleep 0.1; done; cat > out.ndjson)`,
    { cwd: dir, timeoutMs: 40_000 },
  );
  const sink = await pidOf(dir, 'sink');
  // Kill once the sink is stuck: its latest commit has not moved for a second.
  let latestSeen = '';
  let stillSince = Date.now();
  for (const until = Date.now() + 25_000; Date.now() < until; await sleep(100)) {
    let names: string[] = [];
    try {
      names = readdirSync(join(dir, 'C', 'sink')).filter((f) => f.startsWith('commit-'));
    } catch {
      /* not created yet */
    }
    const latest = names.sort().at(-1) ?? '';
    if (latest !== latestSeen) [latestSeen, stillSince] = [latest, Date.now()];
    else if (latest !== '' && Date.now() - stillSince > 1000) break;
  }
  process.kill(sink, 'SIGKILL');
  writeFileSync(join(dir, 'go'), '');
  await run;

  const commits = readdirSync(join(dir, 'C', 'sink')).filter((f) => f.startsWith('commit-'));
  assert.ok(commits.length > 0, 'the sink committed batches before the kill');
  const latest = commits.map((f) => JSON.parse(readFileSync(join(dir, 'C', 'sink', f), 'utf8')) as { body: { batch: number; positions: Record<string, { offset: number }> } }).sort((a, b) => b.body.batch - a.body.batch)[0]!;
  const committedRecords = lines(input.slice(0, Object.values(latest.body.positions)[0]!.offset)).length;
  const delivered = readFileSync(join(dir, 'out.ndjson'), 'utf8').split('\n').slice(0, -1).length; // complete lines
  assert.ok(committedRecords < 5000, `the kill came before the end (${committedRecords} committed)`);
  assert.ok(committedRecords <= delivered, `committed ${committedRecords} records, but only ${delivered} left the sink before the kill`);
});
