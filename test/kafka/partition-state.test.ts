// State that moves with its partitions (issue 14.3). Three copies of an
// event-time windowed count in append mode, with the changelog and the
// transactional sink: one copy killed with kill -9 while records arrive (its
// partitions move to the others, rebalance 1), later a new copy started
// (partitions move to it from live copies, rebalance 2). Every window spans
// both rebalances, so its count is right only if the state of its key's
// partition moved. The committed output (read_committed) must equal what one
// process computes over the same topic: every (window, key) once, with the
// full count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Partitioners } from 'kafkajs';
import { background, type Background } from '../helpers/background.js';
import { assignedMembers, committedOffsets, createTopic, kafkaBrokers, kafkaClient, readAll, uniqueTopic, waitFor } from '../helpers/kafka.js';
import { sh, tempDir } from '../helpers/run.js';

const brokers = kafkaBrokers();
const KEYS = 24;
const PER_PHASE = 1_500;
const SPAN_S = 120;
const WINDOW_S = 10;

interface Row {
  window: { start: string; end: string };
  k: string;
  count: number;
}

const rowKey = (r: Row) => `${r.window.start} ${r.k}`;
const sorted = (rows: Row[]) => rows.map((r) => `${rowKey(r)} ${r.count}`).sort();

if (!brokers) {
  test.skip('KAFKA TESTS SKIPPED: SLUICE_TEST_KAFKA_BROKERS is unset (needs java + mvn; see scripts/run-tests.mjs)');
} else {
  test('windowed counts in append mode over 3 copies, kill -9 of one and a new one later: the committed output equals one process\'s', { timeout: 300_000 }, async (t) => {
    const dir = tempDir();
    const input = uniqueTopic('ps-in');
    const output = uniqueTopic('ps-out');
    const changelog = uniqueTopic('ps-changelog');
    const group = uniqueTopic('ps');
    await createTopic(brokers, input, 6);
    await createTopic(brokers, output, 3);
    await createTopic(brokers, changelog, 6, { 'cleanup.policy': 'compact' });
    const copy = () =>
      background(
        `sluice source kafka --brokers ${brokers} --topic ${input} --group ${group} --from earliest --commit-offsets none --changelog ${changelog} --batch 300ms --session-timeout 10s` +
          ` | sluice window ${WINDOW_S}s --time-field ts --watermark 10m` +
          ` | sluice reduce-by-key k --count --mode append --partition-state` +
          ` | sluice sink kafka --brokers ${brokers} --topic ${output} --transactional --group ${group} --changelog ${changelog}`,
        { cwd: dir, timeoutMs: 280_000 },
      );

    // Event times in the recent past (within --max-skew), all in 12 windows that every phase feeds.
    const base = Math.floor((Date.now() - 40 * 60_000) / 60_000) * 60_000;
    const producer = kafkaClient(brokers).producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    let produced = 0;
    let seed = 14_3;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
    const expected = new Map<string, number>();
    const send = async (records: { k: string; ts: number }[]) => {
      for (let i = 0; i < records.length; i += 500) {
        const chunk = records.slice(i, i + 500);
        await producer.send({ topic: input, messages: chunk.map((r) => ({ key: r.k, value: JSON.stringify({ k: r.k, ts: new Date(r.ts).toISOString() }) })) });
        produced += chunk.length;
      }
    };
    const phase = () =>
      Array.from({ length: PER_PHASE }, () => {
        const r = { k: `k${Math.floor(random() * KEYS)}`, ts: base + Math.floor(random() * SPAN_S * 1000) };
        const start = new Date(Math.floor(r.ts / (WINDOW_S * 1000)) * WINDOW_S * 1000).toISOString();
        expected.set(`${start} ${r.k}`, (expected.get(`${start} ${r.k}`) ?? 0) + 1);
        return r;
      });
    const allCommitted = (what: string) =>
      waitFor(`${what}: the offsets of all ${produced} records committed`, 120_000, async () => [...(await committedOffsets(brokers, group, input)).values()].reduce((a, b) => a + Math.max(0, b), 0) === produced);

    // As a supervisor would, a copy that stops by itself (on a loaded machine: a broker error
    // after the group dropped it) is started again; the result must not depend on it.
    let stopping = false;
    const restarts: string[] = [];
    const runs: (Background | undefined)[] = [];
    const supervised = (k: number): Background => {
      const run = copy();
      void run.done.then(() => {
        if (stopping || runs[k] !== run) return;
        restarts.push(`copy ${k}: ${run.stderr.trim()}`);
        runs[k] = supervised(k);
      });
      return run;
    };
    for (let k = 0; k < 3; k++) runs[k] = supervised(k);
    let single: Awaited<ReturnType<typeof sh>> | undefined;
    try {
      await waitFor('three copies with partitions', 60_000, async () => (await assignedMembers(brokers, group)) === 3);
      await send(phase());
      await allCommitted('phase 1');

      // Rebalance 1: copy 2 dies while records arrive; its partitions go to copies 0 and 1.
      const second = phase();
      await send(second.slice(0, PER_PHASE / 2));
      await new Promise((r) => setTimeout(r, 300));
      const victim = runs[2]!;
      runs[2] = undefined;
      victim.signal('SIGKILL');
      await victim.done;
      await send(second.slice(PER_PHASE / 2));
      await waitFor('two copies own every partition', 60_000, async () => (await assignedMembers(brokers, group)) === 2);
      await allCommitted('phase 2');

      // Rebalance 2: a new copy joins while records arrive and takes partitions from the live copies.
      const third = phase();
      await send(third.slice(0, PER_PHASE / 2));
      runs[3] = supervised(3);
      await send(third.slice(PER_PHASE / 2));
      await waitFor('three copies again', 60_000, async () => (await assignedMembers(brokers, group)) === 3);
      await allCommitted('phase 3');

      // The single-process result over the same records, before the closing records (one
      // process reading partition after partition would find a later one's records late after them).
      single = await sh(
        `sluice source kafka --brokers ${brokers} --topic ${input} --group ${uniqueTopic('ps-single')} --from earliest --until-end` +
          ` | sluice window ${WINDOW_S}s --time-field ts --watermark 10m | sluice reduce-by-key k --count --mode append | sluice sink`,
        { timeoutMs: 60_000 },
      );

      // One record per key far ahead moves every watermark past the data's windows: they close.
      await send(Array.from({ length: KEYS }, (_, i) => ({ k: `k${i}`, ts: base + 30 * 60_000 })));
      await allCommitted('closing records');
    } finally {
      stopping = true;
      await producer.disconnect();
      for (const r of runs) r?.signal('SIGTERM');
      await Promise.all(runs.map((r) => r?.done));
      runs.forEach((r, k) => r?.stderr && t.diagnostic(`copy ${k} said: ${r.stderr.trim()}`));
      for (const r of restarts) t.diagnostic(`restarted ${r}`);
    }

    // Rows of the data's windows only: a clean stop flushes the closing records' windows too.
    const isData = (r: Row) => Date.parse(r.window.start) < base + SPAN_S * 1000;
    const got = (await readAll(brokers, output, expected.size + KEYS + 1, 15_000)).map((m) => JSON.parse(m.value!) as Row).filter(isData);

    assert.equal(single?.code, 0, single?.stderr);
    const oneProcess = single!.stdout.trim().split('\n').map((l) => JSON.parse(l) as Row);
    assert.deepEqual(sorted(oneProcess), [...expected].map(([k, n]) => `${k} ${n}`).sort(), 'one process counts what was produced');

    const seen = new Map<string, number>();
    for (const r of got) seen.set(rowKey(r), (seen.get(rowKey(r)) ?? 0) + 1);
    const twice = [...seen].filter(([, n]) => n > 1).map(([k]) => k);
    const lost = [...expected.keys()].filter((k) => !seen.has(k));
    t.diagnostic(`${produced} records, ${expected.size} (window, key) rows expected; committed ${got.length}, ${twice.length} twice, ${lost.length} missing`);
    assert.deepEqual(twice, [], 'nothing twice');
    assert.deepEqual(lost, [], 'nothing lost');
    assert.deepEqual(sorted(got), sorted(oneProcess), 'the committed output is the single-process result');
    // Only the Kafka client's own persistent complaints (a loaded machine's missed heartbeats) may appear.
    for (const r of runs) {
      const own = (r?.stderr ?? '').split('\n').filter((l) => l !== '' && !/^sluice (source|sink): kafka: /.test(l));
      assert.deepEqual(own, [], 'a copy stopped cleanly reports nothing of its own');
    }
  });

  test('source kafka --changelog: a changelog that is missing or has another partition count than the input is an error at once', async () => {
    const input = uniqueTopic('ps-in');
    const changelog = uniqueTopic('ps-changelog');
    await createTopic(brokers, input, 3);
    const run = (log: string) => sh(`sluice source kafka --brokers ${brokers} --topic ${input} --commit-offsets none --changelog ${log} --data-only`, { timeoutMs: 60_000 });
    const missing = await run(changelog);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, new RegExp(`changelog topic '${changelog}' does not exist`));
    await createTopic(brokers, changelog, 2, { 'cleanup.policy': 'compact' });
    const other = await run(changelog);
    assert.equal(other.code, 1);
    assert.match(other.stderr, new RegExp(`changelog topic '${changelog}' has 2 partitions; it needs 3`));
  });
}
