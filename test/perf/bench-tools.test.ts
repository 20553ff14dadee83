import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot, tempDir } from '../helpers/run.js';

const dir = tempDir('sluice-bench-');
execFileSync(process.execPath, [join(repoRoot, 'bench', 'gen.mjs'), '--scale', '0.001'], { env: { ...process.env, SLUICE_BENCH_DATA: dir } });
const lines = (name: string) => readFileSync(join(dir, name), 'utf8').split('\n').filter(Boolean);

test('bench data: the corpus, the word records and the distinct keys have the promised shape', () => {
  const corpus = lines('corpus.txt');
  assert.equal(corpus.length, 1000);
  assert.ok(corpus.every((l) => l.split(' ').length === 10));
  const words = lines('words.ndjson').map((l) => JSON.parse(l) as { word: string });
  assert.equal(words.length, 2000);
  assert.ok(words.every((r) => /^w[0-9a-z]+$/.test(r.word)));
  // Zipf: the most frequent word is far above the average.
  const counts = new Map<string, number>();
  for (const r of words) counts.set(r.word, (counts.get(r.word) ?? 0) + 1);
  assert.ok(Math.max(...counts.values()) > (5 * words.length) / counts.size);
  const keys = lines('keys.ndjson').map((l) => (JSON.parse(l) as { key: string }).key);
  assert.equal(new Set(keys).size, 1000);
});

test('bench framing micro-bench: the three framers count the same records', () => {
  const file = join(dir, 'words.ndjson');
  for (const how of ['lineframer', 'split2', 'ndjson']) {
    const out = execFileSync(process.execPath, [join(repoRoot, 'bench', 'framing.mjs'), how, file], { encoding: 'utf8' });
    assert.equal(out.trim(), '2000', how);
  }
});

test('bench data: realistic log records (six fields, about 200 bytes, times slightly out of order) and mixed-case prose', () => {
  const logs = lines('logs.ndjson');
  assert.equal(logs.length, 1000);
  const mean = logs.reduce((n, l) => n + l.length, 0) / logs.length;
  assert.ok(mean > 150 && mean < 250, `mean record ${mean} bytes`);
  const records = logs.map((l) => JSON.parse(l) as Record<string, unknown>);
  for (const r of records) {
    assert.deepEqual(Object.keys(r), ['ts', 'user', 'path', 'status', 'bytes', 'ua']);
    assert.equal(new Date(r['ts'] as string).toISOString(), r['ts']);
    assert.equal(typeof r['status'], 'number');
  }
  const times = records.map((r) => Date.parse(r['ts'] as string));
  assert.ok(times.some((t, i) => i > 0 && t < times[i - 1]!), 'some records out of order');
  assert.ok(times.every((t, i) => i === 0 || t > Math.max(...times.slice(0, i)) - 5000), 'none later than the 5 s watermark');
  const prose = lines('prose.txt');
  assert.equal(prose.length, 300);
  assert.ok(prose.every((l) => l.trim().split(/\s+/).length === 10));
  assert.ok(prose.some((l) => /[A-Z]/.test(l)) && prose.some((l) => /\s\s|\t/.test(l)));
});

test('bench data: order records, a shape unlike the logs (nested values, non-ASCII, escapes, time offsets), each written as JSON.stringify writes it', () => {
  const orders = lines('orders.ndjson');
  assert.equal(orders.length, 1000);
  const records = orders.map((l) => JSON.parse(l) as Record<string, unknown>);
  orders.forEach((l, i) => assert.equal(JSON.stringify(records[i]), l, 'canonical: a map splice is possible'));
  for (const r of records) {
    assert.deepEqual(Object.keys(r), ['time', 'order', 'customer', 'sku', 'qty', 'price', 'region', 'tags', 'note']);
    assert.deepEqual(Object.keys(r['customer'] as object), ['id', 'tier']);
    assert.ok(Array.isArray(r['tags']));
    assert.ok(!Number.isNaN(Date.parse(r['time'] as string)));
  }
  assert.ok(orders.some((l) => /[^\x00-\x7f]/.test(l)) && orders.some((l) => l.includes('\\"')), 'non-ASCII notes and escaped quotes');
  assert.ok(records.some((r) => (r['time'] as string).endsWith('+01:00')) && records.some((r) => (r['time'] as string).endsWith('Z')), 'times with offsets and in UTC');
});
