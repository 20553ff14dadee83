// CommitWatch.until (the wait of a stopping Kafka source for its sink's last
// commit): it waits for the batch while the sink runs, and stops waiting as
// soon as the sink has exited (its role's LOCK released), since nothing more
// can come.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommitWatch } from '../../src/engine/checkpoint/commit-watch.js';
import { writeCommit } from '../../src/engine/checkpoint/commit-log.js';
import { CheckpointRole } from '../../src/engine/checkpoint/store.js';
import { systemClock } from '../../src/engine/clock.js';
import { tempDir } from '../helpers/run.js';

function watch(root: string): CommitWatch {
  return new CommitWatch({ root, clock: systemClock, pollMs: 250, onCommit: () => undefined, onError: (err) => assert.fail(err) });
}

test('until() waits while the sink runs, and returns at once after it exited', async () => {
  const root = tempDir();
  const sink = CheckpointRole.open(root, 'sink');
  writeCommit(sink, { batch: 3, positions: { 'kafka:t:0': 7 }, committedAt: new Date().toISOString() });

  let began = Date.now();
  await watch(root).until(4, 700);
  assert.ok(Date.now() - began >= 650, 'batch 4 is not committed and the sink still runs: the wait lasts its bound');

  const w = watch(root);
  const late = setTimeout(() => writeCommit(sink, { batch: 4, positions: { 'kafka:t:0': 9 }, committedAt: new Date().toISOString() }), 300);
  await w.until(4, 10_000);
  clearTimeout(late);
  assert.equal(w.latest, 4, 'a commit that comes during the wait is seen');

  sink.close();
  began = Date.now();
  await watch(root).until(5, 10_000);
  assert.ok(Date.now() - began < 2_000, 'the sink exited: no 10 s wait for a commit that cannot come');
});
