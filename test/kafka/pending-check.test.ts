// kafkajs's RequestQueue re-armed a 1 ms timer for as long as a connection
// lived, even with no request held back (pending-check.ts): its own method
// does so here, the fixed one arms a timer only for a request held back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { fixPendingCheck } from '../../src/connectors/kafka/pending-check.js';

const require = createRequire(import.meta.url);
const kafkajsQueue = require('kafkajs/src/network/requestQueue') as { prototype: { scheduleCheckPendingRequests(): void } };

function queue(pending: unknown[], throttledUntil = -1) {
  let checks = 0;
  return { pending, throttledUntil, throttleCheckTimeoutId: null as ReturnType<typeof setTimeout> | null, checkPendingRequests: () => void checks++, checks: () => checks };
}

test("kafkajs's own check arms a timer with nothing held back; the fixed one does not, and arms one for a held-back request", async () => {
  const own = queue([]);
  kafkajsQueue.prototype.scheduleCheckPendingRequests.call(own);
  assert.notEqual(own.throttleCheckTimeoutId, null, 'kafkajs arms a timer for nothing (the defect)');
  clearTimeout(own.throttleCheckTimeoutId!);

  class Fixed {}
  (Fixed.prototype as { scheduleCheckPendingRequests?: () => void }).scheduleCheckPendingRequests = kafkajsQueue.prototype.scheduleCheckPendingRequests;
  fixPendingCheck(Fixed as unknown as Parameters<typeof fixPendingCheck>[0]);
  const schedule = (Fixed.prototype as { scheduleCheckPendingRequests(): void }).scheduleCheckPendingRequests;

  const idle = queue([], Date.now() + 50);
  schedule.call(idle);
  assert.equal(idle.throttleCheckTimeoutId, null, 'nothing held back: no timer, throttled or not');

  const held = queue(['request']);
  schedule.call(held);
  assert.notEqual(held.throttleCheckTimeoutId, null);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(held.checks(), 1, 'the held-back request is checked');
  assert.equal(held.throttleCheckTimeoutId, null);
});
