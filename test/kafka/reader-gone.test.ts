// `sluice source kafka --data-only | head -1` on a topic that then stays idle:
// nothing more is written, so the source cannot meet EPIPE; it must still exit
// once head has gone, as every source does when its reader closes (the
// watch of src/engine/reader-gone.ts). A reader that stays keeps it running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createTopic, kafkaBrokers, uniqueTopic } from '../helpers/kafka.js';
import { sh, sluiceBin } from '../helpers/run.js';
import { testNeeding } from '../helpers/tools.js';

const brokers = kafkaBrokers();

if (!brokers) {
  test.skip('KAFKA TESTS SKIPPED: SLUICE_TEST_KAFKA_BROKERS is unset (needs java + mvn; see scripts/run-tests.mjs)');
} else {
  testNeeding(['kcat'], 'source kafka --data-only | head -1 on an idle topic exits once head has gone; with a reader that stays it runs on', { timeout: 180_000 }, async () => {
    const topic = uniqueTopic('reader-gone');
    await createTopic(brokers, topic, 1);
    execFileSync('kcat', ['-b', brokers, '-P', '-t', topic], { input: '{"a":1}\n{"a":2}\n' });
    const source = `sluice source kafka --brokers ${brokers} --topic ${topic} --from earliest --data-only`;

    const started = Date.now();
    const r = await sh(`${source} --group ${uniqueTopic('g')} | head -1; echo "status \${PIPESTATUS[*]}"`, { timeoutMs: 90_000 });
    const seconds = (Date.now() - started) / 1000;
    assert.equal(r.signal, null, `killed by the test's timeout after ${seconds} s: the source did not exit`);
    assert.deepEqual(r.stdout.split('\n'), ['{"a":1}', 'status 0 0', ''], r.stderr);
    assert.equal(r.stderr, '');
    assert.ok(seconds < 60, `took ${seconds} s`);

    // A reader that stays: still running when interrupted 8 s later (exit 130), every record out.
    const stays = await sh(`timeout --preserve-status -s INT 8 node ${JSON.stringify(sluiceBin)} ${source.replace(/^sluice /, '')} --group ${uniqueTopic('g')} | cat; echo "status \${PIPESTATUS[*]}"`, { timeoutMs: 90_000 });
    assert.deepEqual(stays.stdout.split('\n'), ['{"a":1}', '{"a":2}', 'status 130 0', ''], stays.stderr);
  });
}
