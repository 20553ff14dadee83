// sink kafka keeps several produce requests in flight (pipelined-sends.ts):
// nothing may be reordered within a partition, lost or written twice. Enough
// records for many chunks, read back with kcat (librdkafka), checked per
// partition: every record once, in input order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTopic, kafkaBrokers, uniqueTopic } from '../helpers/kafka.js';
import { sh, tempDir } from '../helpers/run.js';
import { testNeeding } from '../helpers/tools.js';

const brokers = kafkaBrokers();

/** Every message as [partition, key, value], in each partition's offset order. */
async function readTopic(topic: string): Promise<{ partition: number; key: string; value: { k?: string; i: number } }[]> {
  const { stdout } = await promisify(execFile)('kcat', ['-b', brokers!, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%p\t%k\t%s\n'], { timeout: 60_000, maxBuffer: 256 << 20 });
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [p, key, value] = l.split('\t');
      return { partition: Number(p), key: key!, value: JSON.parse(value!) as { k?: string; i: number } };
    });
}

/** Each record i once, and within each partition in increasing i (the input order). */
function assertInOrderOnce(got: { partition: number; value: { i: number } }[], n: number): Map<number, number> {
  assert.equal(got.length, n, `${got.length} messages for ${n} records`);
  const seen = new Uint8Array(n);
  const last = new Map<number, number>();
  const perPartition = new Map<number, number>();
  for (const { partition, value } of got) {
    const before = last.get(partition) ?? -1;
    assert.ok(value.i > before, `partition ${partition}: record ${value.i} after ${before}`);
    last.set(partition, value.i);
    assert.equal(seen[value.i], 0, `record ${value.i} twice`);
    seen[value.i] = 1;
    perPartition.set(partition, (perPartition.get(partition) ?? 0) + 1);
  }
  return perPartition;
}

if (!brokers) {
  test.skip('KAFKA TESTS SKIPPED: SLUICE_TEST_KAFKA_BROKERS is unset (needs java + mvn; see scripts/run-tests.mjs)');
} else {
  testNeeding(['kcat'], 'sink kafka --key: many chunks in flight, every record once and in order within its partition', { timeout: 180_000 }, async () => {
    const dir = tempDir();
    const topic = uniqueTopic('in-flight-keyed');
    await createTopic(brokers, topic, 4);
    const n = 200_000; // about 20 chunks of 512 KiB
    const lines = Array.from({ length: n }, (_, i) => JSON.stringify({ k: `key${(i * 7919) % 37}`, i, pad: 'x'.repeat(i % 13) }));
    writeFileSync(join(dir, 'in.ndjson'), lines.join('\n') + '\n');
    const r = await sh(`sluice sink kafka --brokers ${brokers} --topic ${topic} --key k < in.ndjson`, { cwd: dir, timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    const got = await readTopic(topic);
    const perPartition = assertInOrderOnce(got, n);
    assert.ok(perPartition.size > 1, 'keys spread over partitions');
    const partitionOf = new Map<string, number>();
    for (const g of got) {
      assert.equal(g.key, g.value.k, 'the key is the field');
      assert.equal(partitionOf.get(g.key) ?? g.partition, g.partition, `key ${g.key} in one partition`);
      partitionOf.set(g.key, g.partition);
    }
  });

  testNeeding(['kcat'], 'sink kafka without --key: many chunks in flight over 3 partitions, every record once and in order within its partition', { timeout: 180_000 }, async () => {
    const dir = tempDir();
    const topic = uniqueTopic('in-flight-plain');
    await createTopic(brokers, topic, 3);
    const n = 300_000;
    const lines = Array.from({ length: n }, (_, i) => `{"i":${i},"w":"w${i % 5000}"}`);
    writeFileSync(join(dir, 'in.ndjson'), lines.join('\n') + '\n');
    const r = await sh(`sluice sink kafka --brokers ${brokers} --topic ${topic} < in.ndjson`, { cwd: dir, timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    const got = await readTopic(topic);
    const perPartition = assertInOrderOnce(got, n);
    assert.equal(perPartition.size, 3, 'chunks go to every partition in turn');
    for (const g of got) assert.equal(g.key, '', 'no key');
  });
}
