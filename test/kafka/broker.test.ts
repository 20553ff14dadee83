// The Kafka test harness itself: a real broker, written to with kafkajs, read
// back with kafkajs and with kcat (librdkafka), an independent client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Partitioners } from 'kafkajs';
import { createTopic, kafkaBrokers, kafkaClient, readAll, uniqueTopic } from '../helpers/kafka.js';
import { skipUnlessTools } from '../helpers/tools.js';

const brokers = kafkaBrokers();

if (!brokers) {
  test.skip('KAFKA TESTS SKIPPED: SLUICE_TEST_KAFKA_BROKERS is unset (needs java + mvn; see scripts/run-tests.mjs)');
} else {
  test('real broker: kafkajs and kcat read back the same keyed messages', async (t) => {
    const topic = uniqueTopic('harness');
    await createTopic(brokers, topic, 4);

    const sent = Array.from({ length: 40 }, (_, i) => ({ key: `user-${i % 10}`, value: `event-${i}` }));
    const producer = kafkaClient(brokers).producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      await producer.send({ topic, messages: sent });
    } finally {
      await producer.disconnect();
    }

    const got = await readAll(brokers, topic, sent.length, 30_000);
    assert.equal(got.length, sent.length);
    assert.deepEqual(got.map((m) => m.value).sort(), sent.map((m) => m.value).sort());
    const partitionOf = new Map<string, number>();
    for (const m of got) {
      assert.ok(m.key !== null);
      assert.equal(partitionOf.get(m.key) ?? m.partition, m.partition, `key ${m.key} must stay in one partition`);
      partitionOf.set(m.key, m.partition);
    }
    assert.ok(new Set(partitionOf.values()).size > 1, 'keys should spread over several partitions');

    await t.test('kcat sees the same messages in the same partitions', { skip: skipUnlessTools('kcat sees the same messages', ['kcat']) }, async () => {
      const { stdout } = await promisify(execFile)(
        'kcat', ['-b', brokers, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%p %k %s\n'],
        { timeout: 30_000 },
      );
      const viaKcat = stdout.trim().split('\n').map((line) => line.split(' ')).sort();
      const viaKafkajs = got.map((m) => [String(m.partition), m.key, m.value]).sort();
      assert.deepEqual(viaKcat, viaKafkajs);
    });
  });
}
