// TLS and SASL on source kafka and sink kafka (issue 14.5), against the test
// broker's SSL listener (client certificates required) and SASL_SSL listener
// (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512), certificates made with openssl when
// the broker started. Secrets come from the environment or a file, never argv.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTopic, kafkaBrokers, kafkaTestSecurity, readAll, uniqueTopic } from '../helpers/kafka.js';
import { records, sh, sluiceBin, tempDir } from '../helpers/run.js';

const brokers = kafkaBrokers();
const security = brokers ? kafkaTestSecurity() : undefined;

const lines = (tag: string, n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ tag, i })).join('\n') + '\n';

/** sink kafka then source kafka --until-end through `listener` with `options` (`sluice` run as `launch`); returns what the source read. */
async function roundTrip(listener: string, options: string, env: NodeJS.ProcessEnv, tag: string, launch = 'sluice'): Promise<Record<string, unknown>[]> {
  const topic = uniqueTopic(`sec-${tag}`);
  await createTopic(brokers!, topic, 1);
  const sink = await sh(`${launch} sink kafka --brokers ${listener} --topic ${topic} ${options}`, { input: lines(tag, 5), env, timeoutMs: 90_000 });
  assert.equal(sink.code, 0, `sink over ${tag}: ${sink.stderr}`);
  assert.equal(sink.stderr, '');
  // A different client on the plaintext listener sees what the secured producer wrote.
  assert.equal((await readAll(brokers!, topic, 5)).length, 5);
  const source = await sh(`${launch} source kafka --brokers ${listener} --topic ${topic} --from earliest --until-end --data-only ${options}`, { env, timeoutMs: 90_000 });
  assert.equal(source.code, 0, `source over ${tag}: ${source.stderr}`);
  assert.equal(source.stderr, '');
  return records(source.stdout);
}

if (!brokers || !security) {
  test.skip('KAFKA SECURITY TESTS SKIPPED: SLUICE_TEST_KAFKA_SECURITY is unset (run them with scripts/run-tests.mjs)');
} else {
  test('TLS with a CA file and a client certificate: sink and source through the SSL listener', async () => {
    const got = await roundTrip(security.ssl, `--tls-ca ${security.ca} --tls-cert ${security.clientCert} --tls-key ${security.clientKey}`, {}, 'ssl');
    assert.deepEqual(got, records(lines('ssl', 5)));
  });

  test('TLS verified against NODE_EXTRA_CA_CERTS (no --tls-ca), which the launcher keeps from Node and hands to the client', async () => {
    const got = await roundTrip(security.ssl, `--tls --tls-cert ${security.clientCert} --tls-key ${security.clientKey}`, { NODE_EXTRA_CA_CERTS: security.ca }, 'extra-ca', JSON.stringify(sluiceBin));
    assert.deepEqual(got.map((r) => r['i']), [0, 1, 2, 3, 4]);
    // Without the CA anywhere the broker's certificate is refused.
    const topic = uniqueTopic('sec-no-ca');
    await createTopic(brokers!, topic, 1);
    const r = await sh(`${JSON.stringify(sluiceBin)} sink kafka --brokers ${security.ssl} --topic ${topic} --tls --tls-cert ${security.clientCert} --tls-key ${security.clientKey}`, { input: lines('no-ca', 1), env: { NODE_EXTRA_CA_CERTS: '' }, timeoutMs: 90_000 });
    assert.equal(r.code, 1, r.stderr);
  });

  test('SASL_SSL with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512: the password from the environment or a file', async () => {
    const dir = tempDir();
    const passwordFile = join(dir, 'scram-password');
    writeFileSync(passwordFile, `${security.scram[1]}\n`);
    const cases = [
      { tag: 'plain', options: `--sasl-mechanism plain --sasl-username ${security.plain[0]}`, env: { SLUICE_KAFKA_SASL_PASSWORD: security.plain[1] } },
      { tag: 'scram256', options: `--sasl-mechanism scram-sha-256 --sasl-username ${security.scram[0]} --sasl-password-file ${passwordFile}`, env: {} },
      { tag: 'scram512', options: '', env: { SLUICE_KAFKA_SASL_MECHANISM: 'scram-sha-512', SLUICE_KAFKA_SASL_USERNAME: security.scram[0], SLUICE_KAFKA_SASL_PASSWORD: security.scram[1] } },
    ];
    for (const c of cases) {
      const got = await roundTrip(security.saslSsl, `--tls-ca ${security.ca} ${c.options}`, c.env, c.tag);
      assert.deepEqual(got, records(lines(c.tag, 5)), c.tag);
    }
  });

  test('a wrong SASL password is a clear error, exit 1', async () => {
    const topic = uniqueTopic('sec-wrong');
    await createTopic(brokers, topic, 1);
    const r = await sh(`sluice sink kafka --brokers ${security.saslSsl} --topic ${topic} --tls-ca ${security.ca} --sasl-mechanism scram-sha-256 --sasl-username ${security.scram[0]}`, {
      input: '{"a":1}\n',
      env: { SLUICE_KAFKA_SASL_PASSWORD: 'wrong' },
      timeoutMs: 90_000,
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /sluice sink: .*(SASL|authenticat)/i);
  });
}
