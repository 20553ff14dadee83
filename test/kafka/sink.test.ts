// sluice sink kafka against the real broker; read back with kcat (librdkafka)
// and checked against the Java producer's partitioner (issue 4, case 1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTopic, kafkaBrokers, readAll, uniqueTopic } from '../helpers/kafka.js';
import { javaPartitions } from '../helpers/kafka-java.js';
import { sh, tempDir } from '../helpers/run.js';
import { testNeeding } from '../helpers/tools.js';

const brokers = kafkaBrokers();
const VOCABULARY = ['the', 'cat', 'sat', 'on', 'mat', 'a', 'dog', 'and', 'naïve', '日本', '__proto__', 'constructor', 'x', 'zebra', 'Kafka', 'sluice', '42', 'true'];

async function kcatLines(topic: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)('kcat', ['-b', brokers!, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%p %k %s\n'], {
    timeout: 30_000,
    maxBuffer: 64 << 20,
  });
  return stdout.split('\n').filter((l) => l !== '');
}

if (!brokers) {
  test.skip('KAFKA TESTS SKIPPED: SLUICE_TEST_KAFKA_BROKERS is unset (needs java + mvn; see scripts/run-tests.mjs)');
} else {
  testNeeding(['kcat'], 'issue 4 case 1: sink kafka --key value puts each word where the Java default partitioner does', {}, async () => {
    const dir = tempDir();
    const topic = uniqueTopic('words');
    await createTopic(brokers, topic, 4);
    const lines = Array.from({ length: 300 }, (_, i) => Array.from({ length: 1 + (i % 7) }, (_, j) => VOCABULARY[(i * 7 + j * 3) % VOCABULARY.length]).join(' '));
    writeFileSync(join(dir, 'w.txt'), lines.join('\n') + '\n');
    const words = lines.flatMap((l) => l.split(' '));

    const r = await sh(`sluice source file w.txt | sluice map --flat 'r.value.split(" ")' | sluice sink kafka --brokers ${brokers} --topic ${topic} --key value`, { cwd: dir, timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');

    const got = (await kcatLines(topic)).map((line) => {
      const m = /^(\d+) (\S+) (.*)$/.exec(line);
      assert.ok(m, `kcat line '${line}'`);
      return { partition: Number(m[1]), key: m[2]!, value: JSON.parse(m[3]!) as { value: string } };
    });
    assert.deepEqual(got.map((g) => g.key).sort(), [...words].sort(), 'every word, once');
    for (const g of got) assert.deepEqual(g.value, { value: g.key }, 'the value is the record as JSON');

    const partitionOf = new Map<string, number>();
    for (const g of got) {
      assert.equal(partitionOf.get(g.key) ?? g.partition, g.partition, `key ${g.key} in one partition`);
      partitionOf.set(g.key, g.partition);
    }
    const java = await javaPartitions([...partitionOf.keys()], 4);
    for (const [key, partition] of partitionOf) assert.equal(partition, java.get(key), `partition of '${key}': sluice ${partition}, Java ${java.get(key)}`);
    assert.ok(new Set(partitionOf.values()).size > 1, 'keys spread over partitions');
  });

  testNeeding(['kcat'], 'sink kafka: records without --key, non-string keys as JSON, one message per record', {}, async () => {
    const dir = tempDir();
    const topic = uniqueTopic('sink-plain');
    await createTopic(brokers, topic, 3);
    const input = ['{"id":1,"k":7}', '{"id":2,"k":{"a":1}}', '{"id":3}', '{"id":4,"k":"s"}'].join('\n') + '\n';
    const r = await sh(`sluice source --format json | sluice sink kafka --brokers ${brokers} --topic ${topic} --key k`, { cwd: dir, input });
    assert.equal(r.code, 0, r.stderr);
    const got = await readAll(brokers, topic, 4);
    const byId = new Map(got.map((m) => [(JSON.parse(m.value!) as { id: number }).id, m]));
    assert.equal(got.length, 4);
    assert.equal(byId.get(1)!.key, '7');
    assert.equal(byId.get(2)!.key, '{"a":1}');
    assert.equal(byId.get(3)!.key, null);
    assert.equal(byId.get(4)!.key, 's');
    assert.equal(byId.get(1)!.value, '{"id":1,"k":7}', 'unchanged records are forwarded byte for byte');
  });

  test('sink kafka: an unknown topic is a clear error, exit 1', async () => {
    const r = await sh(`echo '{"a":1}' | sluice source --format json | sluice sink kafka --brokers ${brokers} --topic ${uniqueTopic('missing')}`, { timeoutMs: 60_000 });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /sluice sink: .*(topic|partition)/i);
  });
}
