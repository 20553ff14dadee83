// Without --checkpoint, `source kafka` commits offsets only for batches the
// sluice sink at the end of the pipe acknowledged (issue 14.2). A pipe that
// ends in something else (a foreign tool) never acknowledges: the source
// falls back to committing what it handed on, says so once, and still
// commits. `sluice run` ends in its own sink: it commits without a warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { committedOffsets, createTopic, kafkaBrokers, uniqueTopic } from '../helpers/kafka.js';
import { sh, tempDir } from '../helpers/run.js';
import { seqCounts, SeqProducer, sum } from './checkpoint-support.js';

const brokers = kafkaBrokers();
/** The acknowledgement directory named by the start record of a stream saved with tee. */
function ackDirOf(stream: string): string {
  const start = JSON.parse(readFileSync(stream, 'utf8').split('\n')[0]!) as { __sluice: { type: string; ack?: string } };
  assert.equal(start.__sluice.type, 'start');
  assert.match(start.__sluice.ack ?? '', /\/sluice-ack-[A-Za-z0-9]{6}$/);
  return start.__sluice.ack!;
}

if (!brokers) {
  test.skip('KAFKA TESTS SKIPPED: SLUICE_TEST_KAFKA_BROKERS is unset (needs java + mvn; see scripts/run-tests.mjs)');
} else {
  test('a pipe ending in a foreign tool: one warning, offsets still committed, the acknowledgement directory removed', { timeout: 90_000 }, async () => {
    const dir = tempDir();
    const topic = uniqueTopic('ack-foreign');
    const group = uniqueTopic('foreign');
    await createTopic(brokers, topic, 3);
    const producer = new SeqProducer(brokers, topic);
    await producer.send(50);
    await producer.close();
    const r = await sh(`sluice source kafka --brokers ${brokers} --topic ${topic} --group ${group} --from earliest --until-end | tee stream.ndjson | cat > out.ndjson`, { cwd: dir, timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(seqCounts(join(dir, 'out.ndjson')).size, 50);
    const lines = r.stderr.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^sluice source: kafka: no sluice sink at the end of the pipe acknowledged batches within 30 s, so offsets are committed once a batch is handed to the next stage/);
    assert.equal(sum((await committedOffsets(brokers, group, topic)).values()), 50);
    assert.equal(existsSync(ackDirOf(join(dir, 'stream.ndjson'))), false, 'the acknowledgement directory is removed at exit');
  });

  test('a pipe ending in a sluice sink: no warning; the start record names a private acknowledgement directory', { timeout: 90_000 }, async () => {
    const dir = tempDir();
    const topic = uniqueTopic('ack-sink');
    const group = uniqueTopic('sink');
    await createTopic(brokers, topic, 3);
    const producer = new SeqProducer(brokers, topic);
    await producer.send(50);
    await producer.close();
    const r = await sh(`sluice source kafka --brokers ${brokers} --topic ${topic} --group ${group} --from earliest --until-end | tee stream.ndjson | sluice sink file out.ndjson`, { cwd: dir, timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.equal(seqCounts(join(dir, 'out.ndjson')).size, 50);
    assert.equal(existsSync(ackDirOf(join(dir, 'stream.ndjson'))), false, 'the acknowledgement directory is removed at exit');
    assert.equal(sum((await committedOffsets(brokers, group, topic)).values()), 50);
  });

  test('output into a file is the end of the pipeline: committed without a warning', { timeout: 90_000 }, async () => {
    const dir = tempDir();
    const topic = uniqueTopic('ack-file');
    const group = uniqueTopic('file');
    await createTopic(brokers, topic, 3);
    const producer = new SeqProducer(brokers, topic);
    await producer.send(50);
    await producer.close();
    const r = await sh(`sluice source kafka --brokers ${brokers} --topic ${topic} --group ${group} --from earliest --until-end > out.ndjson`, { cwd: dir, timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.equal(seqCounts(join(dir, 'out.ndjson')).size, 50);
    assert.equal(sum((await committedOffsets(brokers, group, topic)).values()), 50);
  });

  test('sluice run with a sink commits in process, without a warning', { timeout: 90_000 }, async () => {
    const dir = tempDir();
    const topic = uniqueTopic('ack-run');
    const group = uniqueTopic('run');
    await createTopic(brokers, topic, 3);
    const producer = new SeqProducer(brokers, topic);
    await producer.send(50);
    await producer.close();
    const r = await sh(`sluice run 'source kafka --brokers ${brokers} --topic ${topic} --group ${group} --from earliest --until-end | sink file out.ndjson'`, { cwd: dir, timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.equal(seqCounts(join(dir, 'out.ndjson')).size, 50);
    assert.equal(sum((await committedOffsets(brokers, group, topic)).values()), 50);
  });
}
