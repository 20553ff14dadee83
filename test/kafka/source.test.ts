// sluice source kafka against the real broker, fed by kcat (librdkafka), an
// independent client (issue 4, case 3), and resuming from committed offsets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { background } from '../helpers/background.js';
import { committedOffsets, createTopic, kafkaBrokers, uniqueTopic, waitFor } from '../helpers/kafka.js';
import { records, tempDir } from '../helpers/run.js';
import { testNeeding } from '../helpers/tools.js';

const brokers = kafkaBrokers();

function kcatProduce(topic: string, lines: string[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = execFile('kcat', ['-b', brokers!, '-P', '-t', topic, '-K:'], { timeout: 30_000 }, (err) => (err ? reject(err) : resolve(undefined)));
    child.stdin!.end(lines.join('\n') + '\n');
  });
}

function lineCount(path: string): number {
  try {
    return readFileSync(path, 'utf8').split('\n').filter((l) => l !== '').length;
  } catch {
    return 0;
  }
}

/** Runs source kafka | sink file until `expected` records are in the file (and a little longer), then SIGTERM. */
async function consumeInto(dir: string, file: string, args: string, expected: number): Promise<Record<string, unknown>[]> {
  const out = join(dir, file);
  const run = background(`sluice source kafka --brokers ${brokers} ${args} | sluice sink file ${file}`, { cwd: dir, timeoutMs: 60_000 });
  try {
    await waitFor(`${expected} records in ${file} (stderr: ${run.stderr})`, 40_000, () => lineCount(out) >= expected);
    await new Promise((r) => setTimeout(r, 2_500)); // two more batches: a duplicate would show, offsets get committed
  } finally {
    run.signal('SIGTERM');
  }
  const result = await run.done;
  assert.ok(result.code === 143 || result.signal === 'SIGTERM', `stopped by SIGTERM: ${result.code} ${result.signal} ${result.stderr}`);
  assert.equal(result.stderr, '');
  return records(readFileSync(out, 'utf8'));
}

if (!brokers) {
  test.skip('KAFKA TESTS SKIPPED: SLUICE_TEST_KAFKA_BROKERS is unset (needs java + mvn; see scripts/run-tests.mjs)');
} else {
  testNeeding(['kcat'], 'issue 4 case 3: records produced with kcat -K: arrive once each with key, partition and offset; a restart resumes after them', {}, async () => {
    const dir = tempDir();
    const topic = uniqueTopic('in');
    const group = uniqueTopic('g');
    await createTopic(brokers, topic, 3);
    const first = Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? `k${i % 7}:{"n":${i},"text":"é ${i}"}` : `k${i % 7}:plain ${i}`));
    await kcatProduce(topic, first);

    const got = await consumeInto(dir, 'out1.ndjson', `--topic ${topic} --group ${group} --from earliest --with-meta`, first.length);
    assert.equal(got.length, first.length, 'each record once');
    const seen = new Set<string>();
    for (const r of got) {
      assert.deepEqual(Object.keys(r).sort(), ['headers', 'key', 'offset', 'partition', 'timestamp', 'topic', 'value']);
      assert.equal(r['topic'], topic);
      assert.ok(typeof r['partition'] === 'number' && r['partition'] >= 0 && r['partition'] < 3);
      assert.ok(Number.isInteger(r['offset']));
      assert.match(String(r['timestamp']), /^\d{4}-\d\d-\d\dT/);
      const id = `${r['partition']}/${r['offset']}`;
      assert.ok(!seen.has(id), `offset ${id} twice`);
      seen.add(id);
    }
    const sent = first.map((line) => {
      const at = line.indexOf(':');
      const payload = line.slice(at + 1);
      return JSON.stringify([line.slice(0, at), payload.startsWith('{') ? JSON.parse(payload) : payload]);
    });
    assert.deepEqual(got.map((r) => JSON.stringify([r['key'], r['value']])).sort(), sent.sort());
    // Per partition, offsets are 0..n-1 in order: nothing skipped.
    for (let p = 0; p < 3; p++) {
      const offsets = got.filter((r) => r['partition'] === p).map((r) => r['offset'] as number);
      assert.deepEqual(offsets, offsets.map((_, i) => i));
    }
    const committed = await committedOffsets(brokers, group, topic);
    for (let p = 0; p < 3; p++) assert.equal(committed.get(p), got.filter((r) => r['partition'] === p).length, `committed offset of partition ${p}`);

    const second = Array.from({ length: 20 }, (_, i) => `r${i}:{"n":${100 + i}}`);
    await kcatProduce(topic, second);
    const again = await consumeInto(dir, 'out2.ndjson', `--topic ${topic} --group ${group} --from earliest`, second.length);
    assert.deepEqual(again.map((r) => r['n']).sort(), second.map((_, i) => 100 + i).sort(), 'only the new records, JSON payloads as records');
  });
}
