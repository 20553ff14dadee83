// Exactly-once read-process-write: source kafka | map | sink kafka --transactional,
// killed with SIGKILL mid-stream and restarted. Read with read_committed, every
// input record appears in the output exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Partitioners } from 'kafkajs';
import { background } from '../helpers/background.js';
import { committedOffsets, createTopic, kafkaBrokers, kafkaClient, readAll, uniqueTopic, waitFor } from '../helpers/kafka.js';
import { tempDir } from '../helpers/run.js';

const brokers = kafkaBrokers();

if (!brokers) {
  test.skip('KAFKA TESTS SKIPPED: SLUICE_TEST_KAFKA_BROKERS is unset (needs java + mvn; see scripts/run-tests.mjs)');
} else {
  test('sink kafka --transactional: killed with SIGKILL and restarted, every record is in the output exactly once', async (t) => {
    const dir = tempDir();
    const input = uniqueTopic('tx-in');
    const output = uniqueTopic('tx-out');
    const group = uniqueTopic('tx');
    await createTopic(brokers, input, 3);
    await createTopic(brokers, output, 3);
    const pipeline = `sluice source kafka --brokers ${brokers} --topic ${input} --group ${group} --from earliest --commit-offsets none --batch 500ms --session-timeout 6s | sluice map '({ seq: r.seq, double: r.seq * 2 })' | sluice sink kafka --brokers ${brokers} --topic ${output} --transactional --group ${group} --transactional-id ${group}-tx`;
    const total = 1_500;
    const producer = kafkaClient(brokers).producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    let first = background(pipeline, { cwd: dir, timeoutMs: 90_000 });
    let second: ReturnType<typeof background> | undefined;
    try {
      for (let sent = 0; sent < total; sent += 50) {
        await producer.send({ topic: input, messages: Array.from({ length: 50 }, (_, i) => ({ key: `k${(sent + i) % 17}`, value: JSON.stringify({ seq: sent + i }) })) });
        if (sent === 600) {
          // Some transactions committed, one probably open: kill every stage at once.
          await waitFor('some committed output', 30_000, async () => (await readAll(brokers, output, 1, 1_000)).length > 0);
          first.signal('SIGKILL');
          await first.done;
          second = background(pipeline, { cwd: dir, timeoutMs: 90_000 });
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      const inputDone = async () => [...(await committedOffsets(brokers, group, input)).values()].reduce((a, b) => a + b, 0) === total;
      await waitFor('the input offsets of every record committed', 45_000, inputDone);
      const got = await readAll(brokers, output, total + 1, 8_000);
      const seqs = got.map((m) => (JSON.parse(m.value!) as { seq: number; double: number }).seq);
      const distinct = new Set(seqs);
      t.diagnostic(`output ${seqs.length} records, ${distinct.size} distinct`);
      assert.equal(distinct.size, total, 'nothing lost');
      assert.equal(seqs.length, total, 'nothing duplicated');
    } finally {
      await producer.disconnect();
      first.signal('SIGKILL');
      second?.signal('SIGTERM');
      await Promise.all([first.done, second?.done]);
    }
    assert.equal(second!.stderr, '');
  });
}
