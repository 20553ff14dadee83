// Where a restarted --checkpoint member starts a partition it owns at its
// first join, given the group's committed offset as of that join (issue 14.2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startAtJoin } from '../../src/connectors/kafka/start-offsets.js';

const checkpoint = { offset: '1000', pin: false };
const fromEarliest = { offset: '0', pin: true };

test('the checkpoint position wins unless the group committed further by the join', () => {
  assert.deepEqual(startAtJoin(checkpoint, undefined), checkpoint, 'no group offset: the checkpoint');
  assert.deepEqual(startAtJoin(checkpoint, 700), checkpoint, 'group behind (its commit lags the sink): the checkpoint, so the restart is exactly-once');
  assert.deepEqual(startAtJoin(checkpoint, 1000), checkpoint);
  // Another member owned the partition while this one was down and committed 5000: start there.
  assert.equal(startAtJoin(checkpoint, 5000), undefined);
});

test('--from resolved at start applies only while the group has no committed offset at the join', () => {
  assert.deepEqual(startAtJoin(fromEarliest, undefined), fromEarliest);
  // The group got an offset between the start and the join: pinning the low watermark would move it back.
  assert.equal(startAtJoin(fromEarliest, 0), undefined);
  assert.equal(startAtJoin(fromEarliest, 3000), undefined);
});
