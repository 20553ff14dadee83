// A clean stop (SIGTERM to the source) commits the sink's last durable batch to
// the group even when the sink makes that batch durable late: here the sink is
// `sink exec` whose command takes longer than the source used to wait (5 s).
// Before the fix the source left the group first and its offsets lagged a batch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { background } from '../helpers/background.js';
import { committedOffsets, createTopic, kafkaBrokers, uniqueTopic, waitFor } from '../helpers/kafka.js';
import { sluiceBin, tempDir } from '../helpers/run.js';
import { commitOffsets, seqCounts, SeqProducer, sinkCommit, sum } from './checkpoint-support.js';

const brokers = kafkaBrokers();
const SLOW_COMMAND_S = 7;

if (!brokers) {
  test.skip('KAFKA TESTS SKIPPED: SLUICE_TEST_KAFKA_BROKERS is unset (needs java + mvn; see scripts/run-tests.mjs)');
} else {
  test('source kafka --checkpoint: a clean stop waits for a slow sink commit and commits it to the group', { timeout: 120_000 }, async (t) => {
    const dir = tempDir();
    const topic = uniqueTopic('final-commit');
    const group = uniqueTopic('final');
    await createTopic(brokers, topic, 3);
    const C = join(dir, 'C');
    // The source's own pid, so that it alone gets the SIGTERM; the sink ends on its end of stream.
    const pipeline =
      `{ echo $BASHPID > source.pid; exec node ${JSON.stringify(sluiceBin)} source kafka --brokers ${brokers} --topic ${topic} --group ${group} --from earliest --batch 300ms --session-timeout 6s --checkpoint C; }` +
      ` | tee handed.ndjson | sluice sink exec --checkpoint C -- sh -c 'sleep ${SLOW_COMMAND_S}; cat >> out.ndjson'`;
    const producer = new SeqProducer(brokers, topic);
    const run = background(pipeline, { cwd: dir, timeoutMs: 100_000 });
    try {
      await producer.send(45);
      // Stop while the sink's command for those records still runs: their commit comes seconds after the stop.
      await waitFor(`45 records handed to the sink (stderr: ${run.stderr})`, 40_000, () => seqCounts(join(dir, 'handed.ndjson')).size === 45);
      assert.equal(sum(commitOffsets(sinkCommit(C), topic).values()), 0, 'the sink has not committed the records yet');
      process.kill(Number(readFileSync(join(dir, 'source.pid'), 'utf8')), 'SIGTERM');
      const result = await run.done;
      t.diagnostic(`exit ${result.code}; sink commit covers ${sum(commitOffsets(sinkCommit(C), topic).values())} records`);
      assert.equal(result.stderr, '');
      assert.equal(seqCounts(join(dir, 'out.ndjson')).size, 45, 'the sink wrote every record');
      assert.equal(sum(commitOffsets(sinkCommit(C), topic).values()), 45, 'the sink committed every record');
      assert.equal(sum((await committedOffsets(brokers, group, topic)).values()), 45, "the group's offsets cover the sink's last commit");
    } finally {
      await producer.close();
      run.signal('SIGKILL');
      await run.done;
    }
  });
}
