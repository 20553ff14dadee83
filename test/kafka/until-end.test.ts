// source kafka --until-end: reads every partition up to its end as of the
// start and ends the stream by itself (kcat -e, Trigger.AvailableNow); the
// next run, like an hourly cron job, continues where the last one stopped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTopic, kafkaBrokers, uniqueTopic } from '../helpers/kafka.js';
import { records, sh, tempDir } from '../helpers/run.js';

const brokers = kafkaBrokers();

/** Produces `lines` into one partition with kcat. */
function kcatProduce(topic: string, partition: number, lines: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile('kcat', ['-b', brokers!, '-P', '-t', topic, '-p', String(partition)], { timeout: 30_000 }, (err) => (err ? reject(err) : resolve()));
    child.stdin!.end(lines.join('\n') + '\n');
  });
}

const seqs = (from: number, n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ seq: from + i }));

if (!brokers) {
  test.skip('KAFKA TESTS SKIPPED: SLUICE_TEST_KAFKA_BROKERS is unset (needs java + mvn; see scripts/run-tests.mjs)');
} else {
  test('--until-end reads to the end of every partition (one of them empty) and exits 0; the next run reads only what came since', async () => {
    const dir = tempDir();
    const topic = uniqueTopic('until-end');
    const group = uniqueTopic('cron');
    await createTopic(brokers, topic, 3);
    await kcatProduce(topic, 0, seqs(0, 120));
    await kcatProduce(topic, 1, seqs(120, 80)); // partition 2 stays empty

    const run = (out: string) =>
      sh(`sluice source kafka --brokers ${brokers} --topic ${topic} --group ${group} --from earliest --until-end | sluice sink file ${out}`, { cwd: dir, timeoutMs: 60_000 });
    const first = await run('run1.ndjson');
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stderr, '');
    const got1 = records(readFileSync(join(dir, 'run1.ndjson'), 'utf8')).map((r) => r['seq'] as number);
    assert.deepEqual([...got1].sort((a, b) => a - b), Array.from({ length: 200 }, (_, i) => i));

    await kcatProduce(topic, 2, seqs(200, 15));
    await kcatProduce(topic, 0, seqs(215, 5));
    const second = await run('run2.ndjson');
    assert.equal(second.code, 0, second.stderr);
    const got2 = records(readFileSync(join(dir, 'run2.ndjson'), 'utf8')).map((r) => r['seq'] as number);
    assert.deepEqual([...got2].sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => 200 + i), 'only the records produced since the first run');

    const third = await run('run3.ndjson');
    assert.equal(third.code, 0, third.stderr);
    assert.equal(readFileSync(join(dir, 'run3.ndjson'), 'utf8'), '', 'nothing new: nothing read, and the run still ends');
  });

  test('--until-end is one batch, like a file: a word count prints totals; with --checkpoint a rerun continues after the sink\'s commit', async () => {
    const dir = tempDir();
    const topic = uniqueTopic('until-end-count');
    await createTopic(brokers, topic, 2);
    const words = (n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ word: `w${i % 4}` }));
    await kcatProduce(topic, 0, words(40));
    await kcatProduce(topic, 1, words(20));
    const count = () =>
      sh(
        `sluice source kafka --brokers ${brokers} --topic ${topic} --from earliest --until-end --checkpoint C | sluice reduce-by-key word --count | sluice sink file counts.ndjson --checkpoint C`,
        { cwd: dir, timeoutMs: 60_000 },
      );
    const first = await count();
    assert.equal(first.code, 0, first.stderr);
    const totals = (text: string) => new Map(records(text).map((r) => [r['word'], r['count']]));
    assert.deepEqual(totals(readFileSync(join(dir, 'counts.ndjson'), 'utf8')), new Map([['w0', 15], ['w1', 15], ['w2', 15], ['w3', 15]]));

    await kcatProduce(topic, 1, words(8));
    const second = await count();
    assert.equal(second.code, 0, second.stderr);
    const lines = readFileSync(join(dir, 'counts.ndjson'), 'utf8');
    assert.deepEqual(totals(lines.split('\n').slice(4).join('\n')), new Map([['w0', 2], ['w1', 2], ['w2', 2], ['w3', 2]]), lines);
  });
}
