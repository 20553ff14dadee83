// sink kafka must not hold unbounded input while the broker is slow: once a few
// chunks wait for their send, pressure() pauses the stage's input until the
// sends catch up (before, 1M records from a file sat in memory as messages and
// the producer spent most of its time in GC).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Producer } from 'kafkajs';
import { KafkaProducerSink, SENDS_IN_FLIGHT } from '../../src/connectors/kafka/producer-sink.js';

test('pressure() holds input while sends are outstanding and releases it as they complete', async () => {
  const pendingSends: (() => void)[] = [];
  let sent = 0;
  let mostInFlight = 0;
  const producer = {
    send: ({ messages }: { messages: unknown[] }) =>
      new Promise<void>((resolve) => {
        pendingSends.push(() => ((sent += messages.length), resolve()));
        mostInFlight = Math.max(mostInFlight, pendingSends.length);
      }),
  } as unknown as Producer;
  const sink = new KafkaProducerSink({
    producer,
    connected: Promise.resolve(),
    brokers: 'test',
    topic: 't',
    transactional: false,
    group: () => 'g',
    onUnserialisable: () => undefined,
  });
  let fed = 0;
  const feed = () => {
    while (sink.pressure() === undefined && fed < 1_000_000) {
      sink.data({ n: fed }, `{"n":${fed}}`);
      fed++;
    }
  };
  // Up to SENDS_IN_FLIGHT sends go out at once; the rest wait, and input pauses once more than 4 chunks wait.
  for (let i = 0; i < 3; i++) {
    feed();
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(pendingSends.length, SENDS_IN_FLIGHT, 'as many sends in flight as allowed, none more');
  // Chunks of at most 32,768 records: those in flight, 4 waiting and the one that tipped it.
  assert.ok(fed <= (SENDS_IN_FLIGHT + 5) * 32_768, `input paused after ${fed} records, a few chunks' worth`);
  const held = sink.pressure();
  assert.ok(held, 'held while no send completed');
  let released = false;
  void held.then(() => (released = true));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(released, false, 'still held while no send completed');
  while (!released) {
    pendingSends.shift()?.();
    await new Promise((r) => setTimeout(r, 1));
  }
  assert.ok(sent > 0 && sent <= fed);
  assert.equal(mostInFlight, SENDS_IN_FLIGHT);
});
