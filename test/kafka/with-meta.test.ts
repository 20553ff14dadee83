// --with-meta keeps what a message holds exactly (issue 14.4): payloads JSON.parse
// would change come with their text, headers are kept, and bytes that are not
// UTF-8 are base64 with an encoding field instead of U+FFFD.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exactNumber, parsesExactly } from '../../src/connectors/kafka/exact-json.js';
import { createTopic, kafkaBrokers, kafkaClient, uniqueTopic } from '../helpers/kafka.js';
import { records, sh } from '../helpers/run.js';

const brokers = kafkaBrokers();

test('parsesExactly: numbers a double cannot hold and repeated keys are changes; spacing, escapes and 1.0 are not', () => {
  for (const t of ['{"a":1}', '{"a":1.0,"b":-0.5e-3,"c":9007199254740991}', '{ "a" : [1, {"a": 2}] , "b":"\\u00e9 1e400"}', '{"a":{"x":1},"b":{"x":2}}', '{"n":0.1,"m":1e21,"k":123456789012345680000}'])
    assert.equal(parsesExactly(t), true, t);
  for (const t of ['{"n":12345678901234567890}', '{"n":1e400}', '{"n":-1e400}', '{"a":1,"a":2}', '{"o":{"k":1,"k":1}}', '{"n":0.10000000000000000555}', '{"a":[1,2],"b":[{"c":1,"\\u0063":2}]}'])
    assert.equal(parsesExactly(t), false, t);
  assert.equal(exactNumber('1e22'), true);
  assert.equal(exactNumber('9007199254740993'), false);
});

if (!brokers) {
  test.skip('KAFKA TESTS SKIPPED: SLUICE_TEST_KAFKA_BROKERS is unset (needs java + mvn; see scripts/run-tests.mjs)');
} else {
  test('--with-meta: exact payload text when parsing changes it, headers, base64 for keys and values that are not UTF-8', async () => {
    const topic = uniqueTopic('meta');
    await createTopic(brokers, topic, 1);
    const producer = kafkaClient(brokers).producer();
    await producer.connect();
    const big = '{"id":12345678901234567890,"x":1e400,"d":1,"d":2}';
    await producer.send({
      topic,
      messages: [
        { key: 'k1', value: big, headers: { trace: 'abc', bin: Buffer.from([0xff, 0x00, 0xfe]), multi: ['1', '2'] } },
        { key: Buffer.from([0xc3, 0x28, 0x80]), value: Buffer.from([0x80, 0x81, 0x7b]) },
        { key: null, value: '{"plain":1}' },
        { key: 'é', value: 'text é' },
      ],
    });
    await producer.disconnect();
    const r = await sh(`sluice source kafka --brokers ${brokers} --topic ${topic} --from earliest --until-end --with-meta --data-only`, { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const [a, b, c, d] = records(r.stdout);
    assert.equal(a!['valueText'], big, 'the exact text of a payload parsing would change');
    assert.deepEqual(a!['headers'], [
      { key: 'trace', value: 'abc' },
      { key: 'bin', value: Buffer.from([0xff, 0x00, 0xfe]).toString('base64'), encoding: 'base64' },
      { key: 'multi', value: '1' },
      { key: 'multi', value: '2' },
    ]);
    assert.equal(b!['key'], Buffer.from([0xc3, 0x28, 0x80]).toString('base64'));
    assert.equal(b!['keyEncoding'], 'base64');
    assert.equal(b!['value'], Buffer.from([0x80, 0x81, 0x7b]).toString('base64'));
    assert.equal(b!['valueEncoding'], 'base64');
    assert.deepEqual(c, { key: null, value: { plain: 1 }, topic, partition: 0, offset: 2, timestamp: c!['timestamp'], headers: [] }, 'an exact payload has no valueText, no encodings');
    assert.equal(d!['key'], 'é');
    assert.equal(d!['value'], 'text é');
    assert.equal(d!['keyEncoding'], undefined);
  });
}
