import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchTimer } from '../../src/engine/batch-timer.js';
import { alignDown, VirtualClock } from '../../src/engine/clock.js';
import { parseDuration } from '../../src/engine/duration.js';

test('batch boundaries are aligned to the Unix epoch', () => {
  assert.equal(alignDown(1_767_225_601_234, 1000), 1_767_225_601_000);
  assert.equal(alignDown(1_767_225_601_234, 60_000), 1_767_225_600_000);
});

test('the batch timer fires on aligned boundaries in virtual time', () => {
  const clock = new VirtualClock(10_250);
  const fired: [number, number][] = [];
  const timer = new BatchTimer(clock, 1000, (s, e) => fired.push([s, e]));
  clock.advance(749);
  assert.deepEqual(fired, []);
  clock.advance(1);
  assert.deepEqual(fired, [[10_000, 11_000]]);
  clock.advance(2000);
  assert.deepEqual(fired, [
    [10_000, 11_000],
    [11_000, 12_000],
    [12_000, 13_000],
  ]);
  timer.stop();
  clock.advance(5000);
  assert.equal(fired.length, 3);
});

test('a wall-clock jump never repeats or reopens a batch', () => {
  const clock = new VirtualClock(0);
  const fired: number[] = [];
  new BatchTimer(clock, 1000, (_s, e) => fired.push(e));
  clock.advance(1500);
  clock.jumpWall(-10_000); // NTP steps the clock back
  clock.advance(3000);
  clock.jumpWall(+5_000); // and forward
  clock.advance(2000);
  for (let i = 1; i < fired.length; i++) assert.equal(fired[i]! - fired[i - 1]!, 1000, `boundaries ${fired.join(',')}`);
});

test('durations', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('2s'), 2000);
  assert.equal(parseDuration('1.5m'), 90_000);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('3'), 3000);
  assert.throws(() => parseDuration('soon'), /not a duration/);
  assert.throws(() => parseDuration('0s'), /greater than zero/);
});
