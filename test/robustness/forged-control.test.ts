// Issue 11.1-11.3: data can never pose as control. Every case runs the real
// bin in real pipes: a line shaped like a control record that did not come
// from the sluice stage upstream (with its stream's token) is data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { background } from '../helpers/background.js';
import { records, sh, tempDir } from '../helpers/run.js';
import { waitFor } from './harness.js';

const GUESSED = 'a'.repeat(32);
/** Control-shaped lines as an attacker would write them: the old version, and this one with a guessed token. */
const FORGED_EOS = [`{"__sluice":{"v":1,"type":"eos"}}`, `{"__sluice":{"v":2,"type":"eos","token":"${GUESSED}"}}`];

function dataFile(dir: string): string {
  const path = join(dir, 'in.ndjson');
  writeFileSync(path, ['{"a":1}', ...FORGED_EOS, '{"a":2}', ''].join('\n'));
  return path;
}

const aValues = (stdout: string) => records(stdout).filter((r) => 'a' in r).map((r) => r['a']);

test('an eos line inside a data file read by source file --format json is data: nothing after it is lost (11.1)', async () => {
  const dir = tempDir();
  dataFile(dir);
  const r = await sh(`sluice source file in.ndjson --format json | sluice map r | sluice sink`, { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(aValues(r.stdout), [1, 2]);
  // The forged lines come out as data, escaped so that no later stage could take them for control.
  const forged = r.stdout.split('\n').filter((l) => l.includes('__sluice'));
  assert.equal(forged.length, 2);
  assert.ok(forged.every((l) => l.startsWith(' {"__sluice":')), forged.join('\n'));
});

test('an eos line read by source stdin --format json is data (11.1)', async () => {
  const dir = tempDir();
  dataFile(dir);
  const r = await sh(`sluice source stdin --format json < in.ndjson | sluice sink`, { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(aValues(r.stdout), [1, 2]);
});

test('a forged watermark from a map expression does not close windows downstream (11.1)', async () => {
  const dir = tempDir();
  const rows = ['{"ts":"2026-01-01T00:00:10Z"}', '{"ts":"2026-01-01T00:00:20Z"}', '{"ts":"2026-01-01T00:00:25Z","forge":true}', '{"ts":"2026-01-01T00:00:30Z"}', '{"ts":"2026-01-01T00:01:10Z"}'];
  writeFileSync(join(dir, 'in.ndjson'), rows.join('\n') + '\n');
  const forge = `r.forge ? {__sluice: {v: 1, type: "watermark", t: 4102444800000}} : r`;
  const r = await sh(
    `sluice source file in.ndjson --format json | sluice window 1m --time-field ts | sluice map '${forge}' | sluice reduce-by-key --count --mode append | sluice sink`,
    { cwd: dir },
  );
  assert.equal(r.code, 0, r.stderr);
  const counts = records(r.stdout)
    .map((row) => [(row['window'] as { start: string }).start, row['count']])
    .filter(([start]) => String(start).startsWith('2026-01-01'));
  // The forged line replaced one record (it is data now); the windows stay open until the real watermark.
  assert.deepEqual(counts, [
    ['2026-01-01T00:00:00.000Z', 3],
    ['2026-01-01T00:01:00.000Z', 1],
  ]);
});

test('a forged batch after window (from map) is data: reduce-by-key commits no batch of it and counts every record (11.1)', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'in.txt'), 'a\nforge\nb\n');
  const forge = `r.value === "forge" ? {__sluice: {v: 1, type: "batch", id: 99, start: 0, end: 1}} : r`;
  const r = await sh(`sluice source file in.txt | sluice map '${forge}' | sluice reduce-by-key value --count | sluice sink`, { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const rows = records(r.stdout);
  // One batch with all three records (the forged one has no value field: key null).
  assert.deepEqual(rows.map((x) => [x['value'], x['count']]), [['a', 1], [null, 1], ['b', 1]]);
  assert.equal(new Set(rows.map((x) => JSON.stringify(x['window']))).size, 1);
});

test('a forged batch id never becomes a checkpoint file path (11.2)', async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'outside'));
  writeFileSync(join(dir, 'in.txt'), 'a\nforge\nb\n');
  const forge = `r.value === "forge" ? {__sluice: {v: 1, type: "batch", id: "/../../../outside/owned", start: 0, end: 1}} : r`;
  const r = await sh(
    `sluice source file in.txt --checkpoint cp | sluice map '${forge}' | sluice reduce-by-key value --count --checkpoint cp --on-error skip | sluice sink file out.ndjson --checkpoint cp`,
    { cwd: dir },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(existsSync(join(dir, 'outside', 'owned.json')), false);
  assert.deepEqual(
    records(readFileSync(join(dir, 'out.ndjson'), 'utf8')).map((x) => [x['value'], x['count']]),
    [['a', 1], [null, 1], ['b', 1]],
  );
});

test('control-shaped data behind a foreign tool (cat, jq -c) is data, with one warning (11.3)', async () => {
  const dir = tempDir();
  dataFile(dir);
  for (const tool of ['cat', 'jq -c .']) {
    const direct = await sh(`${tool} in.ndjson | sluice map r`, { cwd: dir });
    assert.equal(direct.code, 0, direct.stderr);
    assert.deepEqual(aValues(direct.stdout), [1, 2], tool);
    assert.equal(records(direct.stdout).length, 4, `${tool}: the forged lines are data: ${direct.stdout}`);
    assert.match(direct.stderr, /sluice map: stdin: 2 data lines shaped like control records were read as data \(first at line 2\)/);
    // Behind a sluice source, the foreign tool rewrites the escaped lines (jq drops the leading space): still data.
    const behind = await sh(`sluice source file in.ndjson --format json | ${tool} | sluice sink`, { cwd: dir });
    assert.equal(behind.code, 0, behind.stderr);
    assert.deepEqual(aValues(behind.stdout), [1, 2], tool);
  }
});

test('--on-error skip applies to control-shaped data lines (11.3)', async () => {
  const r = await sh(`printf '%s\\n' '{"a":1}' '{"__sluice":{"v":7,"type":"eos"}}' '{"a":2}' | sluice reduce-by-key --sum a --on-error skip --data-only`);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(records(r.stdout).map((x) => x['sum_a']), [3]);
});

test('a stream that opens with a control record of another version is a clear error (11.3)', async () => {
  const r = await sh(`printf '%s\\n' '{"__sluice":{"v":1,"type":"start","interval":1000,"bounded":true}}' '{"a":1}' | sluice map r`);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^sluice map: stdin:1: control record of protocol version 1; this sluice speaks version 2/);
});

test('an invalid control record with the right token is a clear error naming the upstream (11.3)', async () => {
  const start = '{"__sluice":{"v":2,"type":"start","token":"0123456789abcdef0123456789abcdef","interval":1000,"bounded":true}}';
  const batch = '{"__sluice":{"v":2,"type":"batch","token":"0123456789abcdef0123456789abcdef","id":-1,"start":0,"end":1000}}';
  const r = await sh(`printf '%s\\n' '${start}' '{"a":1}' '${batch}' | sluice map r --on-error skip`);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^sluice map: stdin:3: bad control record from the upstream sluice stage: batch: id -1 is not a non-negative integer$/m);
});

test('a start record whose acknowledgement directory is not one a source makes is a clear error (14.2)', async () => {
  const start = '{"__sluice":{"v":2,"type":"start","token":"0123456789abcdef0123456789abcdef","interval":1000,"bounded":true,"ack":"/etc"}}';
  const r = await sh(`printf '%s\\n' '${start}' '{"a":1}' | sluice sink`);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^sluice sink: stdin:1: bad control record from the upstream sluice stage: start: ack "\/etc" is not an absolute path to a sluice-ack-XXXXXX directory$/m);
});

test('a sink writes acknowledgements only into a private directory of its own user (14.2)', async () => {
  const dir = tempDir();
  const ack = join(dir, 'sluice-ack-AbC123');
  mkdirSync(ack, { mode: 0o755 });
  const token = '0123456789abcdef0123456789abcdef';
  const lines = [
    `{"__sluice":{"v":2,"type":"start","token":"${token}","interval":1000,"bounded":true,"ack":"${ack}"}}`,
    '{"a":1}',
    `{"__sluice":{"v":2,"type":"batch","token":"${token}","id":0,"start":0,"end":1000}}`,
    `{"__sluice":{"v":2,"type":"eos","token":"${token}"}}`,
  ];
  const r = await sh(`printf '%s\\n' ${lines.map((l) => `'${l}'`).join(' ')} | sluice sink`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, `sluice sink: acknowledgement directory ${ack} is open to other users; not acknowledging batches to the source\n`);
  assert.equal(existsSync(join(ack, 'sink')), false);
});

function client(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.on('error', reject);
  });
}

test('a socket --listen client sending eos does not end the stream for the others (11.1)', async () => {
  const dir = tempDir();
  const out = join(dir, 'out.ndjson');
  const p = background(`sluice source socket --listen 0 --format json --batch 100ms | sluice sink > ${JSON.stringify(out)}`, { timeoutMs: 60_000 });
  try {
    await waitFor(() => /listening on [^:]+:\d+/.test(p.stderr), 15_000);
    const port = Number(/listening on [^:]+:(\d+)/.exec(p.stderr)![1]);
    const a = await client(port);
    const b = await client(port);
    a.write('{"a":1}\n');
    await waitFor(() => existsSync(out) && readFileSync(out, 'utf8').includes('"a":1'), 15_000);
    b.end(FORGED_EOS.join('\n') + '\n');
    await new Promise((r) => setTimeout(r, 300));
    a.write('{"a":2}\n');
    await waitFor(() => readFileSync(out, 'utf8').includes('"a":2'), 15_000);
    a.end();
  } finally {
    p.signal('SIGTERM');
  }
  await p.done;
  assert.deepEqual(aValues(readFileSync(out, 'utf8')), [1, 2]);
});
