// The clean stop's catch-up of group offsets (durable-offsets.ts): a commit
// refused by a rebalance in progress is tried again until the group's offsets
// reach the sink's durable positions; positions the member committed before
// are committed again when the group is found behind them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Consumer } from 'kafkajs';
import { Assignment } from '../../src/connectors/kafka/assignment.js';
import { catchUpAtStop } from '../../src/connectors/kafka/durable-offsets.js';
import { OffsetCommitter } from '../../src/connectors/kafka/offset-committer.js';

/** A consumer whose first `refusals` commits fail as a rebalance would; the group's offsets are what it accepted. */
function fakeGroup(refusals: number) {
  const group = new Map<number, number>();
  let calls = 0;
  const consumer = {
    commitOffsets: async (offsets: { partition: number; offset: string }[]) => {
      calls++;
      if (calls <= refusals) throw new Error('The group is rebalancing, so a rejoin is needed');
      for (const o of offsets) group.set(o.partition, Number(o.offset));
    },
  } as unknown as Consumer;
  return { group, consumer, calls: () => calls };
}

function owner(): Assignment {
  const a = new Assignment();
  a.joined({ t: [0, 1] });
  return a;
}

const durable = { 'kafka:t:0': '120', 'kafka:t:1': '75' };
const quick = { waitMs: 1, idleMs: 1_000 };

test('a stop commit refused by a rebalance is tried again until the group holds the durable positions', async () => {
  const g = fakeGroup(2);
  const committer = new OffsetCommitter(g.consumer, owner(), (line) => assert.fail(line));
  await catchUpAtStop(durable, committer, owner(), async () => new Map(g.group), quick);
  assert.deepEqual([...g.group.entries()].sort(), [
    [0, 120],
    [1, 75],
  ]);
  assert.equal(g.calls(), 3);
});

test('positions this member committed before are committed again when the group is behind them', async () => {
  const g = fakeGroup(0);
  const assignment = owner();
  const committer = new OffsetCommitter(g.consumer, assignment, (line) => assert.fail(line));
  committer.durable(durable);
  await committer.idle(1_000);
  g.group.set(0, 100); // the group moved back (another member's commit)
  await catchUpAtStop(durable, committer, assignment, async () => new Map(g.group), quick);
  assert.equal(g.group.get(0), 120);
});

test('nothing is committed where the group is already at or ahead of the durable positions, nor for partitions not owned', async () => {
  const g = fakeGroup(0);
  g.group.set(0, 130);
  g.group.set(1, 75);
  const assignment = new Assignment();
  assignment.joined({ t: [0, 1] });
  const committer = new OffsetCommitter(g.consumer, assignment, (line) => assert.fail(line));
  await catchUpAtStop({ ...durable, 'kafka:t:2': '9' }, committer, assignment, async () => new Map(g.group), quick);
  assert.equal(g.calls(), 0);
  assert.equal(g.group.get(0), 130);
  assert.equal(g.group.has(2), false);
});
