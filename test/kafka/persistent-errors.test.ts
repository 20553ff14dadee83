// Errors the Kafka client retries by itself reach stderr only when they persist (issue 14.4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PERSIST_MS, PersistentErrors } from '../../src/connectors/kafka/persistent-errors.js';

test('a retried error that clears is never printed; one that recurs for PERSIST_MS is printed once', () => {
  const e = new PersistentErrors();
  const loading = 'sluice source: kafka: Response GroupCoordinator: The coordinator is loading';
  assert.equal(e.seen(loading, 0), false);
  assert.equal(e.seen(loading, 300), false);
  assert.equal(e.seen(loading, 900), false, 'retried for under a second, then it cleared: silent');
  const down = 'sluice sink: kafka: Connection error: connect ECONNREFUSED 127.0.0.1:9';
  assert.equal(e.seen(down, 1_000), false);
  assert.equal(e.seen(down, 1_000 + PERSIST_MS - 1), false);
  assert.equal(e.seen(down, 1_000 + PERSIST_MS), true, 'still failing after PERSIST_MS: printed');
  assert.equal(e.seen(down, 2_000 + PERSIST_MS), false, 'and only once');
});
