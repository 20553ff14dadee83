import { spawnSync } from 'node:child_process';
// With --checkpoint, the consumer group's offsets follow the sink's commit log:
// killing only the sink (kill -9) while the source runs leaves the group's
// offsets at or below the sink's last commit, and a restart replays what the
// sink had written but not committed: every record exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { background } from '../helpers/background.js';
import { committedOffsets, createTopic, kafkaBrokers, uniqueTopic, waitFor } from '../helpers/kafka.js';
import { sluiceBin, tempDir } from '../helpers/run.js';
import { commitOffsets, exactlyOnceReport, seqCounts, SeqProducer, sinkCommit, sleep, sum } from './checkpoint-support.js';
import { testNeeding } from '../helpers/tools.js';

const brokers = kafkaBrokers();

if (!brokers) {
  test.skip('KAFKA TESTS SKIPPED: SLUICE_TEST_KAFKA_BROKERS is unset (needs java + mvn; see scripts/run-tests.mjs)');
} else {
  testNeeding(['pkill'], 'source kafka --checkpoint: group offsets never pass the sink commit; after the sink dies, a restart replays its uncommitted output', {}, async (t) => {
    const dir = tempDir();
    const topic = uniqueTopic('ckpt-sink');
    const group = uniqueTopic('ckpt-sink');
    await createTopic(brokers, topic, 3);
    const C = join(dir, 'C');
    const out = join(dir, 'out.ndjson');
    const source = `sluice source kafka --brokers ${brokers} --topic ${topic} --group ${group} --from earliest --batch 2s --session-timeout 6s --checkpoint C | sluice map '({ seq: r.seq })'`;
    // The sink's own pid, so that it alone can be killed.
    const withSinkPid = `${source} | tee handed-to-sink.ndjson | { echo $BASHPID > sink.pid; exec node ${JSON.stringify(sluiceBin)} sink file out.ndjson --checkpoint C; }`;
    const producer = new SeqProducer(brokers, topic);
    let run = background(withSinkPid, { cwd: dir, timeoutMs: 120_000 });
    try {
      // A first share, committed by the sink and then to the group: the protocol works end to end.
      await producer.send(60);
      await waitFor(`a sink commit covering 60 records (stderr: ${run.stderr})`, 40_000, () => sum(commitOffsets(sinkCommit(C), topic).values()) === 60);
      await waitFor('the group offsets at the commit', 10_000, async () => sum((await committedOffsets(brokers, group, topic)).values()) === 60);

      // More records, handed to the sink (tee shows them); kill it before its next batch boundary commits them.
      let commit = sinkCommit(C);
      for (let attempt = 1; ; attempt++) {
        await producer.send(60);
        await waitFor('every record handed to the sink', 20_000, () => seqCounts(join(dir, 'handed-to-sink.ndjson')).size === producer.produced);
        commit = sinkCommit(C);
        if (sum(commitOffsets(commit, topic).values()) < producer.produced || attempt === 5) break;
      }
      process.kill(Number(readFileSync(join(dir, 'sink.pid'), 'utf8')), 'SIGKILL');
      commit = sinkCommit(C); // a dead sink commits nothing more
      const atCommit = commitOffsets(commit, topic);
      const committedLength = (commit?.output as { length?: number } | undefined)?.length ?? 0;
      const writtenLength = readFileSync(out).length;
      t.diagnostic(`sink killed after batch ${commit?.batch}: ${sum(atCommit.values())} records committed of ${producer.produced} handed to it; ${writtenLength - committedLength} bytes of uncommitted output in the file`);
      assert.ok(sum(atCommit.values()) < producer.produced, 'the kill came before the sink committed everything it was handed');

      // The source keeps running until it notices the broken pipe; its commits must not pass the sink's.
      const deadline = Date.now() + 4_000;
      while (Date.now() < deadline) {
        const group_ = await committedOffsets(brokers, group, topic);
        for (const [partition, offset] of group_) {
          assert.ok(offset <= (atCommit.get(partition) ?? 0), `partition ${partition}: group offset ${offset} passed the sink's commit ${atCommit.get(partition)}`);
        }
        await sleep(300);
      }
      run.signal('SIGKILL');
      await run.done;

      // Restart: the sink cuts its output back to the commit, the source replays from it.
      await producer.send(30);
      run = background(withSinkPid, { cwd: dir, timeoutMs: 120_000 });
      await waitFor(`all ${producer.produced} records in the output (stderr: ${run.stderr})`, 40_000, () => seqCounts(out).size >= producer.produced);
      await sleep(1_500);
      // Stop the source alone; the rest of the pipeline ends on its end of stream.
      // (SIGTERM to the whole group would also kill tee, and the sink could then
      // see its input end without an end-of-stream record before its own handler ran.)
      spawnSync('pkill', ['-TERM', '-f', `^node .*source kafka .*--group ${group} `]);
      const result = await run.done;
      assert.equal(result.stderr, '');
      assert.deepEqual(exactlyOnceReport(seqCounts(out), producer.produced), { missing: [], repeated: [], extra: [] });
      assert.equal(sum((await committedOffsets(brokers, group, topic)).values()), producer.produced);
    } finally {
      await producer.close();
      run.signal('SIGKILL');
      await run.done;
    }
  });
}
