// sink kafka must not hold unbounded input while the broker is slow: once a few
// chunks wait for their send, pressure() pauses the stage's input until the
// sends catch up (before, 1M records from a file sat in memory as messages and
// the producer spent most of its time in GC).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Producer } from 'kafkajs';
import { KafkaProducerSink } from '../../src/connectors/kafka/producer-sink.js';

test('pressure() holds input while sends are outstanding and releases it as they complete', async () => {
  const pendingSends: (() => void)[] = [];
  let sent = 0;
  const producer = {
    send: ({ messages }: { messages: unknown[] }) =>
      new Promise<void>((resolve) => pendingSends.push(() => ((sent += messages.length), resolve()))),
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
  while (sink.pressure() === undefined && fed < 1_000_000) {
    sink.data({ n: fed }, `{"n":${fed}}`);
    fed++;
  }
  // Chunks of at most 32,768 records, and input held once more than 4 wait.
  assert.ok(fed <= 5 * 32_768, `input paused after ${fed} records, a few chunks' worth`);
  const held = sink.pressure()!;
  let released = false;
  void held.then(() => (released = true));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(released, false, 'still held while no send completed');
  while (!released) {
    pendingSends.shift()?.();
    await new Promise((r) => setTimeout(r, 1));
  }
  assert.ok(sent > 0 && sent <= fed);
});
