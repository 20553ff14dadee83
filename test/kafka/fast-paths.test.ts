// The Kafka connectors' fast paths (the bundled kafkajs with its code cache,
// the sink's record runs from input bytes, the source's validated raw
// payloads) must give exactly what the ordinary paths give: the real bin with
// fast paths on and off (SLUICE_FAST=0) over the same input, read back with kcat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTopic, kafkaBrokers, uniqueTopic } from '../helpers/kafka.js';
import { sh, tempDir } from '../helpers/run.js';
import { testNeeding } from '../helpers/tools.js';

const brokers = kafkaBrokers();

/** Lines of many layouts: repeated ones (learned), unicode, escapes, nested, keys of every kind, non-objects, bad JSON. */
function inputLines(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    switch (i % 9) {
      case 0: out.push(`{"word":"w${i % 37}","n":${i}}`); break;
      case 1: out.push(`{"word":"é${i % 5}日本","n":${i}}`); break;
      case 2: out.push(`{"word":${i % 3 === 0 ? 'null' : i},"n":${i}}`); break;
      case 3: out.push(`{"word":"tab\\t\\"q\\"","n":${i},"x":{"y":[1,2,{"z":null}]}}`); break;
      case 4: out.push(`{"n":${i},"word":"other order"}`); break;
      case 5: out.push(`{ "word" : "spaced" , "n" : ${i} }`); break;
      case 6: out.push(`{"word":{"nested":${i % 4}},"n":${i}}`); break;
      case 7: out.push(`{"n":${i}}`); break;
      default: out.push(`{"word":"w${i % 37}","n":${i},"big":12345678901234567890}`);
    }
  }
  return out;
}

async function kcatRead(topic: string): Promise<string> {
  const { stdout } = await promisify(execFile)('kcat', ['-b', brokers!, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%p\t%k\t%s\n'], { timeout: 60_000, maxBuffer: 256 << 20 });
  return stdout;
}

if (!brokers) {
  test.skip('KAFKA TESTS SKIPPED: SLUICE_TEST_KAFKA_BROKERS is unset (needs java + mvn; see scripts/run-tests.mjs)');
} else {
  testNeeding(['kcat'], 'sink kafka and source kafka: the same messages and records with fast paths on and off', { timeout: 240_000 }, async () => {
    const dir = tempDir();
    const lines = inputLines(60_000);
    writeFileSync(join(dir, 'in.ndjson'), lines.join('\n') + '\n');
    for (const key of ['', '--key word']) {
      const written: string[] = [];
      for (const fast of ['1', '0']) {
        const topic = uniqueTopic(`fast-${fast}`);
        await createTopic(brokers, topic, 3);
        const r = await sh(`sluice sink kafka --brokers ${brokers} --topic ${topic} ${key} < in.ndjson`, { cwd: dir, env: { SLUICE_FAST: fast }, timeoutMs: 120_000 });
        assert.equal(r.code, 0, r.stderr);
        const read = await kcatRead(topic);
        // Records without a key go to the partitions in turn from a random start: their values are
        // compared; keyed ones with their key and partition.
        written.push(read.split('\n').map((l) => (l.split('\t')[1] === '' ? l.split('\t')[2] : l)).sort().join('\n'));
        // The records each path wrote, read back by each path.
        const consumed: string[] = [];
        for (const readFast of ['1', '0']) {
          const c = await sh(`sluice source kafka --brokers ${brokers} --topic ${topic} --group g-${readFast} --from earliest --until-end --data-only`, { env: { SLUICE_FAST: readFast }, timeoutMs: 120_000 });
          assert.equal(c.code, 0, c.stderr);
          // Partitions interleave as fetches come: compared as sets of lines.
          consumed.push(c.stdout.split('\n').sort().join('\n'));
        }
        assert.equal(consumed[0]!.split('\n').length - 1, lines.length, 'every record read');
        assert.equal(consumed[0], consumed[1], `source kafka, fast on and off, over what sink kafka ${key} wrote with SLUICE_FAST=${fast}`);
      }
      assert.equal(written[0]!.split('\n').length - 1, lines.length);
      assert.equal(written[0], written[1], `sink kafka ${key}: fast on and off`);
    }
  });
}
