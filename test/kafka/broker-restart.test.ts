// sink kafka keeps several produce requests in flight (pipelined-sends.ts). A
// broker that dies or restarts under them fails them all at once; the sink must
// send them again in sequence order (the broker drops what it already appended:
// idempotence), as Java's idempotent producer does, and lose or repeat nothing.
// A broker of the test's own (it is stopped and started), records streamed into
// the real bin while it goes down, read back with kcat (librdkafka). A broker
// that stays down fails the sink with one line once its retries are spent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { createTopic, kafkaBrokers, kafkaClient, uniqueTopic, waitFor } from '../helpers/kafka.js';
import { repoRoot, sluiceBin } from '../helpers/run.js';
import { testNeeding } from '../helpers/tools.js';

interface TestBroker {
  brokers: string;
  stop(): Promise<void>;
  pause(sig: NodeJS.Signals): Promise<void>;
  resume(): Promise<void>;
  signal(sig: NodeJS.Signals): void;
}

const KEYS = 41;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The topic's end offsets added up; a broker just restarted answers NOT_LEADER for a while, which is waited out. */
async function endOffsetsSum(brokers: string, topic: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const admin = kafkaClient(brokers, 'sluice-test-admin').admin();
    try {
      await admin.connect();
      return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
    } catch (err) {
      if (attempt >= 60 || !(err as { retriable?: boolean }).retriable) throw err;
      await sleep(500);
    } finally {
      await admin.disconnect();
    }
  }
}

/**
 * Streams records {k, i} into `sluice sink kafka --key k`, as fast as it takes
 * them, until stopWriting() is called; then ends its input. Resolves with the
 * number of records written and the sink's exit.
 */
function streamingSink(brokers: string, topic: string) {
  const child = spawn(process.execPath, [sluiceBin, 'sink', 'kafka', '--brokers', brokers, '--topic', topic, '--key', 'k'], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin.on('error', () => undefined);
  let writing = true;
  let n = 0;
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const written = (async () => {
    while (writing && child.exitCode === null) {
      let chunk = '';
      for (let j = 0; j < 2000; j++, n++) chunk += `{"k":"key${(n * 7919) % KEYS}","i":${n}}\n`;
      if (!child.stdin.write(chunk)) await Promise.race([new Promise((r) => child.stdin.once('drain', r)), exited]);
    }
    child.stdin.end();
    return n;
  })();
  const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
  return {
    stopWriting: () => void (writing = false),
    /** The sink has exited (a failure before the end of its input). */
    ended: () => child.exitCode !== null,
    done: Promise.all([written, exited]).then(([count, code]) => {
      clearTimeout(timer);
      return { count, code, stderr };
    }),
  };
}

/** kcat's reading of the topic: each record i once, in increasing i within its partition, each key in one partition. */
async function assertExactlyOnceInOrder(brokers: string, topic: string, n: number): Promise<void> {
  const { stdout } = await promisify(execFile)('kcat', ['-b', brokers, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%p\t%k\t%s\n'], { timeout: 120_000, maxBuffer: 1 << 30 });
  const seen = new Uint8Array(n);
  const last = new Map<number, number>();
  const partitionOf = new Map<string, number>();
  let count = 0;
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    const [p, key, value] = line.split('\t') as [string, string, string];
    const partition = Number(p);
    const { k, i } = JSON.parse(value) as { k: string; i: number };
    assert.equal(key, k, 'the key is the field');
    assert.ok(i < n, `record ${i} was never written`);
    assert.equal(seen[i], 0, `record ${i} twice`);
    seen[i] = 1;
    count++;
    assert.ok(i > (last.get(partition) ?? -1), `partition ${partition}: record ${i} after ${last.get(partition)}`);
    last.set(partition, i);
    assert.equal(partitionOf.get(k) ?? partition, partition, `key ${k} in one partition`);
    partitionOf.set(k, partition);
  }
  assert.equal(count, n, `${n - count} of ${n} records lost`);
}

if (!kafkaBrokers()) {
  test.skip('KAFKA TESTS SKIPPED: SLUICE_TEST_KAFKA_BROKERS is unset (needs java + mvn; see scripts/run-tests.mjs)');
} else {
  testNeeding(['kcat'], 'sink kafka: the broker dies and restarts under requests in flight, every record once and in order', { timeout: 600_000 }, async (t) => {
    const { startBroker } = (await import(pathToFileURL(join(repoRoot, 'scripts/kafka/broker.mjs')).href)) as { startBroker(o: object): Promise<TestBroker> };
    const broker = await startBroker({});
    try {
      const { brokers } = broker;
      for (const how of ['crash', 'restart'] as const) {
        const topic = uniqueTopic(`broker-${how}`);
        await createTopic(brokers, topic, 3);
        const sink = streamingSink(brokers, topic);
        await waitFor('the first records in the topic', 60_000, async () => sink.ended() || (await endOffsetsSum(brokers, topic)) > 0);
        if (how === 'crash') {
          // Frozen, the broker lets requests pile up in flight while records keep coming; then it dies with them.
          broker.signal('SIGSTOP');
          await sleep(1_500);
          await broker.pause('SIGKILL');
        } else {
          await broker.pause('SIGTERM');
        }
        await sleep(1_000);
        await broker.resume();
        const before = await endOffsetsSum(brokers, topic);
        await waitFor('records after the restart', 60_000, async () => sink.ended() || (await endOffsetsSum(brokers, topic)) > before);
        sink.stopWriting();
        const { count, code, stderr } = await sink.done;
        t.diagnostic(`${how}: ${count} records, ${before} in the topic at the restart`);
        assert.equal(code, 0, `the sink failed:\n${stderr}`);
        await assertExactlyOnceInOrder(brokers, topic, count);
      }

      // A broker that does not come back: once the retries are spent, one line and exit 1.
      const topic = uniqueTopic('broker-gone');
      await createTopic(brokers, topic, 3);
      const sink = streamingSink(brokers, topic);
      await waitFor('the first records in the topic', 60_000, async () => sink.ended() || (await endOffsetsSum(brokers, topic)) > 0);
      broker.signal('SIGSTOP');
      await sleep(1_500);
      await broker.pause('SIGKILL');
      const started = Date.now();
      const { code, stderr } = await sink.done;
      t.diagnostic(`gone: the sink gave up after ${((Date.now() - started) / 1000).toFixed(1)} s`);
      assert.equal(code, 1, stderr);
      // Client errors that persist are reported while it retries (marked so); the failure is one line.
      const failures = stderr.split('\n').filter((l) => l !== '' && !l.endsWith('(for 10 s and more)'));
      assert.equal(failures.length, 1, stderr);
      assert.match(failures[0]!, new RegExp(`^sluice sink: kafka ${brokers}: .*ECONNREFUSED`));
    } finally {
      await broker.stop();
    }
  });
}
