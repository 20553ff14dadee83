// source kafka --checkpoint | map | sink file --checkpoint, the whole pipeline
// killed with SIGKILL at random moments while records are produced, restarted
// with the same command: every produced record is in the output exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { background } from '../helpers/background.js';
import { committedOffsets, createTopic, kafkaBrokers, uniqueTopic, waitFor } from '../helpers/kafka.js';
import { tempDir } from '../helpers/run.js';
import { exactlyOnceReport, seqCounts, SeqProducer, sinkCommit, sleep, sum } from './checkpoint-support.js';

const brokers = kafkaBrokers();
const TRIALS = 4;

if (!brokers) {
  test.skip('KAFKA TESTS SKIPPED: SLUICE_TEST_KAFKA_BROKERS is unset (needs java + mvn; see scripts/run-tests.mjs)');
} else {
  test('source kafka --checkpoint → sink file --checkpoint: kill -9 at random moments and restart, every record exactly once', async (t) => {
    const dir = tempDir();
    const topic = uniqueTopic('ckpt-kill');
    const group = uniqueTopic('ckpt');
    await createTopic(brokers, topic, 3);
    const out = join(dir, 'out.ndjson');
    const pipeline =
      `sluice source kafka --brokers ${brokers} --topic ${topic} --group ${group} --from earliest --batch 300ms --session-timeout 6s --checkpoint C` +
      ` | sluice map '({ seq: r.seq, twice: r.seq * 2 })' | sluice sink file out.ndjson --checkpoint C`;
    const producer = new SeqProducer(brokers, topic);
    let producing = true;
    const feeding = (async () => {
      while (producing) {
        await producer.send(15);
        await sleep(80);
      }
    })();
    let run = background(pipeline, { cwd: dir, timeoutMs: 120_000 });
    try {
      for (let trial = 1; trial <= TRIALS; trial++) {
        // A random moment while records flow (a restart first waits for the dead member's session to expire).
        const before = sum(seqCounts(out).values());
        await waitFor(`trial ${trial}: records flowing (stderr: ${run.stderr})`, 40_000, () => sum(seqCounts(out).values()) > before);
        await sleep(Math.floor(Math.random() * 2_500));
        const lines = sum(seqCounts(out).values());
        const committed = sinkCommit(join(dir, 'C'))?.batch;
        run.signal('SIGKILL');
        await run.done;
        t.diagnostic(`trial ${trial}: killed with ${lines} lines in the output, sink commit ${committed ?? 'none'}, ${producer.produced} produced`);
        run = background(pipeline, { cwd: dir, timeoutMs: 120_000 });
      }
      producing = false;
      await feeding;
      const total = producer.produced;
      await waitFor(`all ${total} records in the output (stderr: ${run.stderr})`, 60_000, () => seqCounts(out).size >= total);
      await sleep(1_500); // a duplicate arriving late would show
      run.signal('SIGTERM');
      const result = await run.done;
      assert.equal(result.stderr, '', 'the last run stopped cleanly');
      const report = exactlyOnceReport(seqCounts(out), total);
      t.diagnostic(`${total} records produced; missing ${report.missing.length}, repeated ${report.repeated.length}`);
      assert.deepEqual(report, { missing: [], repeated: [], extra: [] });
      // The clean stop committed the last batch: the group's offsets cover every record.
      assert.equal(sum((await committedOffsets(brokers, group, topic)).values()), total);
    } finally {
      producing = false;
      await feeding.catch(() => undefined);
      await producer.close();
      run.signal('SIGKILL');
      await run.done;
    }
  });
}
