// The cookbook's Kafka recipe (docs/COOKBOOK.md, "kafka-wordcount"), extracted
// from the document and run against the real broker, so the docs cannot go
// stale: two consumers with their own checkpoints, the keyed producer, and the
// totals, which must equal a single-process word count of words.txt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCookbook } from '../cookbook/recipes.js';
import { background } from '../helpers/background.js';
import { assignedMembers, createTopic, kafkaBrokers, uniqueTopic, waitFor } from '../helpers/kafka.js';
import { records, repoRoot, sh, tempDir } from '../helpers/run.js';

const brokers = kafkaBrokers();
const COOKBOOK = readFileSync(join(repoRoot, 'docs', 'COOKBOOK.md'), 'utf8');

/** A ```sh recipe-part=NAME block of the cookbook (the parts of a recipe that are not its main block). */
function recipePart(name: string): string {
  for (const m of COOKBOOK.matchAll(/^```sh recipe-part=(\S+)\n([\s\S]*?)^```$/gm)) if (m[1] === name) return m[2]!;
  throw new Error(`docs/COOKBOOK.md has no block recipe-part=${name}`);
}

/** Points a script at the test broker, topic and group; each replaced text must be there. */
function localise(script: string, replacements: [string, string][]): string {
  let out = script;
  for (const [from, to] of replacements) if (out.includes(from)) out = out.split(from).join(to);
  return out;
}

if (!brokers) {
  test.skip('KAFKA TESTS SKIPPED: SLUICE_TEST_KAFKA_BROKERS is unset (needs java + mvn; see scripts/run-tests.mjs)');
} else {
  test('cookbook recipe kafka-wordcount runs as documented against a real broker', async (t) => {
    const recipe = parseCookbook(COOKBOOK).recipes.find((r) => r.name === 'kafka-wordcount');
    assert.ok(recipe, 'the cookbook has the kafka-wordcount recipe');
    const topic = uniqueTopic('words');
    const group = uniqueTopic('wc');
    const replacements: [string, string][] = [
      ['127.0.0.1:9092', brokers],
      ['--topic words', `--topic ${topic}`],
      ['--group wc', `--group ${group}`],
    ];
    const producer = localise(recipe.script, replacements);
    const consumer = localise(recipePart('kafka-wordcount/consumer'), replacements);
    const totals = recipePart('kafka-wordcount/totals');
    for (const [what, script] of [['producer', producer], ['consumer', consumer]] as const) {
      assert.ok(script.includes(brokers) && script.includes(`--topic ${topic}`), `the ${what} block still names the broker and topic the test replaces`);
    }
    assert.ok(consumer.includes(`--group ${group}`));

    const dir = tempDir('sluice-cookbook-kafka-');
    cpSync(join(repoRoot, 'docs', 'cookbook-data'), dir, { recursive: true });
    await createTopic(brokers, topic, 4);
    const consumers = [1, 2].map((k) => background(`K=${k}\n${consumer}`, { cwd: dir, timeoutMs: 120_000 }));
    try {
      await waitFor('both consumers own partitions', 40_000, async () => (await assignedMembers(brokers, group)) === 2);
      const produced = await sh(producer, { cwd: dir, timeoutMs: 60_000 });
      assert.equal(produced.code, 0, produced.stderr);
      assert.equal(produced.stderr, '');

      const expected = new Map<string, number>();
      for (const line of readFileSync(join(dir, 'words.txt'), 'utf8').split('\n')) {
        if (line.trim() === '') continue;
        for (const w of line.split(' ')) expected.set(w, (expected.get(w) ?? 0) + 1);
      }
      const want = [...expected].sort(([a], [b]) => (a < b ? -1 : 1)).map(([word, count]) => ({ word, count }));
      let got: Record<string, unknown>[] = [];
      await waitFor('the totals of a single-process word count', 30_000, async () => {
        const r = await sh(totals, { cwd: dir });
        got = records(r.stdout);
        return JSON.stringify(got) === JSON.stringify(want);
      }).catch(() => undefined);
      assert.deepEqual(got, want);

      // Each word was counted by one consumer only.
      const words = (k: number) => new Set(records(readFileSync(join(dir, `counts-${k}.ndjson`), 'utf8')).map((r) => r['word']));
      const [one, two] = [words(1), words(2)];
      t.diagnostic(`consumer 1 counted ${one.size} words, consumer 2 ${two.size}`);
      assert.deepEqual([...one].filter((w) => two.has(w)), []);
    } finally {
      for (const c of consumers) c.signal('SIGTERM');
      const ended = await Promise.all(consumers.map((c) => c.done));
      for (const e of ended) assert.equal(e.stderr, '', 'a consumer stopped cleanly');
    }
  });
}
