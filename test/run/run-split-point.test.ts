import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitPoint } from '../../src/commands/run-thread.js';

// Where `sluice run` cuts its operators between the source's thread and the
// main thread: never right after a stage whose spec declares that it hands
// on in place (map, filter), whose fast hand-off to the next operator (a flat
// map's words into reduce-by-key's count table) one thread only can make.
// The bench's word count ran 4x slower with the cut after its flat map.

const stages = (...names: string[]) => names.map((name) => ({ name, args: { _: [] }, given: new Set<string>() }));

test('the cut goes at the first half when the stage before it hands on nothing in place', () => {
  assert.equal(splitPoint(stages('window', 'reduce-by-key')), 1);
  assert.equal(splitPoint(stages('filter', 'window', 'reduce-by-key')), 2);
  assert.equal(splitPoint(stages('window', 'reduce-by-key', 'window', 'reduce-by-key')), 2);
});

test('a cut right after map or filter moves to the nearest other boundary, or there is none', () => {
  assert.equal(splitPoint(stages('map', 'reduce-by-key')), undefined);
  assert.equal(splitPoint(stages('filter', 'map', 'reduce-by-key')), undefined);
  assert.equal(splitPoint(stages('window', 'map', 'reduce-by-key')), 1);
  assert.equal(splitPoint(stages('map', 'window', 'filter', 'reduce-by-key')), 2);
});
