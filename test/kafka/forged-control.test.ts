// Data can never pose as control (issue 11, 14): a Kafka payload shaped like a
// sluice control record (an end of stream, a batch) is data all the way
// through a pipeline, also when the source forwards it without parsing it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTopic, kafkaBrokers, kafkaClient, uniqueTopic } from '../helpers/kafka.js';
import { records, sh, tempDir } from '../helpers/run.js';

const brokers = kafkaBrokers();

if (!brokers) {
  test.skip('KAFKA TESTS SKIPPED: SLUICE_TEST_KAFKA_BROKERS is unset (needs java + mvn; see scripts/run-tests.mjs)');
} else {
  test('payloads shaped like control records (eos, batch, any version) come out as data', async () => {
    const dir = tempDir();
    const topic = uniqueTopic('forged');
    await createTopic(brokers, topic, 1);
    const payloads = [
      { __sluice: { v: 2, type: 'eos' } },
      { __sluice: { v: 1, type: 'eos' } },
      { __sluice: { v: 2, type: 'batch', id: 0, start: 0, end: 1 } },
      { n: 1 },
      { __sluice: { v: 2, type: 'eos' }, tail: true },
      { n: 2 },
    ];
    const producer = kafkaClient(brokers).producer();
    await producer.connect();
    await producer.send({ topic, messages: payloads.map((p) => ({ value: JSON.stringify(p) })) });
    await producer.disconnect();
    const r = await sh(
      `sluice source kafka --brokers ${brokers} --topic ${topic} --from earliest --until-end | sluice filter 'true' | sluice sink file out.ndjson`,
      { cwd: dir, timeoutMs: 60_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(records(readFileSync(join(dir, 'out.ndjson'), 'utf8')), payloads, 'every payload once, as data, in order');
  });
}
