// One test per row of the bad-input table in RELIABILITY.md that the code can
// exercise, each against the real bin: exit status, the one-line diagnostic,
// the counters, and every good record around the bad one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { records, sh, tempDir } from '../helpers/run.js';
import { assertDiagnosticsOnly, lines, pidOf, runSluice, sleep, stageFunction, waitFor, writeAndDrain } from './harness.js';

const data = (rs: Record<string, unknown>[]) => rs.filter((r) => !('__sluice' in r));

test('malformed JSON and a truncated object: exact line numbers, skip keeps every good record', async () => {
  const input = '{"n":1}\n{"n":2}\n{"n":\n{"n":4}\n{"n":5,}\n{"n":6}\n';
  const r = await runSluice(['map', 'r', '--on-error', 'skip'], { input });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(records(r.stdout), [{ n: 1 }, { n: 2 }, { n: 4 }, { n: 6 }]);
  assertDiagnosticsOnly(r.stderr);
  const err = lines(r.stderr);
  assert.match(err[0]!, /^sluice map: stdin:3: invalid JSON: .*; skipped \(line: \{"n":\)$/);
  assert.match(err[1]!, /^sluice map: stdin:5: invalid JSON: .*; skipped \(line: \{"n":5,\}\)$/);
  assert.equal(err[2], 'sluice map: 2 bad records skipped');
  assert.equal(err.length, 3);
});

test('malformed JSON under --on-error fail: exit 1, one diagnostic, the records before it came through', async () => {
  const r = await runSluice(['map', 'r'], { input: '{"n":1}\n{"n":2}\n{"n":\n{"n":4}\n' });
  assert.equal(r.code, 1);
  assert.deepEqual(records(r.stdout), [{ n: 1 }, { n: 2 }], r.stderr);
  assert.equal(lines(r.stderr).length, 1, r.stderr);
  assert.match(r.stderr, /^sluice map: stdin:3: invalid JSON: .* \(line: \{"n":\)\n$/);
});

test('malformed JSON with a dead-letter file: raw lines kept, source names the file and line', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'in.ndjson'), '{"n":1}\nnot json\n{"n":3}\n{"n":\n');
  const r = await runSluice(['source', 'file', 'in.ndjson', '--format', 'json', '--on-error', 'dead-letter=dead.txt', '--data-only'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(records(r.stdout), [{ n: 1 }, { n: 3 }]);
  assert.match(r.stderr, /^sluice source: in\.ndjson:2: invalid JSON: .*; written to dead\.txt \(line: not json\)$/m);
  assert.match(r.stderr, /^sluice source: in\.ndjson:4: invalid JSON: /m);
  assert.match(r.stderr, /^sluice source: 2 bad records written to dead\.txt$/m);
  assert.equal(readFileSync(join(dir, 'dead.txt'), 'utf8'), 'not json\n{"n":\n');
  assertDiagnosticsOnly(r.stderr);
});

test('last line without newline: accepted at end of input, output ends with LF', async () => {
  const r = await runSluice(['map', 'r'], { input: '{"n":1}\n{"n":2}' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '{"n":1}\n{"n":2}\n');
  assert.equal(r.stderr, '');
  const t = await runSluice(['source', '--data-only'], { input: 'a\nb' });
  assert.equal(t.stdout, '{"value":"a"}\n{"value":"b"}\n');
});

test('last line without newline while following a file: held until its newline arrives', async () => {
  const dir = tempDir();
  const file = join(dir, 'live.txt');
  writeFileSync(file, 'one\ntw');
  const out = join(dir, 'out.ndjson');
  writeFileSync(out, '');
  const run = sh(`${stageFunction(dir)}; stage src source file --follow live.txt --batch 200ms | stage sink sink > out.ndjson`, { cwd: dir });
  const seen = () => data(records(readFileSync(out, 'utf8')));
  await waitFor(() => seen().length > 0, 8000);
  await sleep(600); // a few batches pass while the partial line waits
  assert.deepEqual(seen(), [{ value: 'one' }], 'the partial line must not be emitted early');
  appendFileSync(file, 'o\nthree\n');
  await waitFor(() => seen().length >= 3, 8000);
  process.kill(await pidOf(dir, 'src'), 'SIGINT');
  const r = await run;
  assert.deepEqual(seen(), [{ value: 'one' }, { value: 'two' }, { value: 'three' }], r.stderr);
});

test('CRLF and a BOM: accepted, output is LF without BOM (json and text)', async () => {
  const j = await runSluice(['map', 'r'], { input: '\ufeff{"n":1}\r\n{"n":2}\r\n' });
  assert.equal(j.code, 0, j.stderr);
  assert.equal(j.stdout, '{"n":1}\n{"n":2}\n');
  const t = await runSluice(['source', '--data-only'], { input: '\ufeffhello\r\nworld\r\n' });
  assert.equal(t.stdout, '{"value":"hello"}\n{"value":"world"}\n');
  assert.equal(t.stderr, '');
});

test('a BOM split across two reads is still removed', async () => {
  const r = await runSluice(['source', '--data-only'], {
    input: async (stdin) => {
      await writeAndDrain(stdin, Buffer.from([0xef]));
      await sleep(150);
      await writeAndDrain(stdin, Buffer.from([0xbb]));
      await sleep(150);
      stdin.end(Buffer.concat([Buffer.from([0xbf]), Buffer.from('x\n')]));
    },
  });
  assert.equal(r.stdout, '{"value":"x"}\n', r.stderr);
});

test('invalid UTF-8: replaced with U+FFFD and counted', async () => {
  const input = Buffer.concat([Buffer.from('{"s":"a'), Buffer.from([0xff, 0xfe]), Buffer.from('b"}\n{"n":2}\n{"s":"'), Buffer.from([0xc3]), Buffer.from('"}\n')]);
  const r = await runSluice(['map', 'r'], { input });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(records(r.stdout), [{ s: 'a\ufffd\ufffdb' }, { n: 2 }, { s: '\ufffd' }]);
  assert.equal(r.stderr, 'sluice map: stdin: 2 lines with invalid UTF-8; the bytes were replaced with U+FFFD (--strict-utf8 makes them bad records)\n');
});

test('invalid UTF-8 under --strict-utf8: a bad record with its line number', async () => {
  const input = Buffer.concat([Buffer.from('{"n":1}\n{"s":"'), Buffer.from([0xff]), Buffer.from('"}\n{"n":3}\n')]);
  const skip = await runSluice(['map', 'r', '--strict-utf8', '--on-error', 'skip'], { input });
  assert.equal(skip.code, 0, skip.stderr);
  assert.deepEqual(records(skip.stdout), [{ n: 1 }, { n: 3 }]);
  assert.match(skip.stderr, /^sluice map: stdin:2: invalid UTF-8 \(--strict-utf8\); skipped\n/);
  assert.match(skip.stderr, /^sluice map: 1 bad record skipped$/m);
  const fail = await runSluice(['source', '--strict-utf8', '--data-only'], { input });
  assert.equal(fail.code, 1);
  assert.equal(fail.stderr, 'sluice source: stdin:2: invalid UTF-8 (--strict-utf8)\n');
});

test('blank lines are skipped and do not shift line numbers; in text a line of spaces is data (issue 11.16)', async () => {
  const r = await runSluice(['map', 'r', '--on-error', 'skip'], { input: '\n  \n{"n":1}\n\n\t\r\n{bad\n{"n":2}\n' });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(records(r.stdout), [{ n: 1 }, { n: 2 }]);
  assert.match(r.stderr, /^sluice map: stdin:6: invalid JSON/);
  const t = await runSluice(['source', '--data-only'], { input: 'a\n\n   \nb\n' });
  assert.equal(t.stdout, '{"value":"a"}\n{"value":"   "}\n{"value":"b"}\n');
});

for (const value of ['42', 'null', '[1]', '"text"', 'true']) {
  test(`a non-object record (${value}) where a field is needed: error policy, no TypeError`, async () => {
    const input = `{"k":"a","v":1}\n${value}\n{"k":"a","v":2}\n`;
    const skip = await runSluice(['reduce-by-key', 'k', '--sum', 'v', '--on-error', 'skip', '--data-only'], { input, bounded: true });
    assert.equal(skip.code, 0, skip.stderr);
    assertDiagnosticsOnly(skip.stderr);
    assert.match(skip.stderr, new RegExp(`^sluice reduce-by-key: stdin:2: record is ${value.replace(/[[\]]/g, '\\$&')}, not an object; cannot read key field 'k'; skipped`));
    const rows = records(skip.stdout);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!['sum_v'], 3, 'the good records on both sides are counted');
    const fail = await runSluice(['reduce-by-key', 'k', '--sum', 'v'], { input, bounded: true });
    assert.equal(fail.code, 1);
    assert.equal(lines(fail.stderr).length, 1, fail.stderr);
    assert.match(fail.stderr, /^sluice reduce-by-key: stdin:2: record is /);
  });
}

test('non-object records through map, filter and the sinks: no crash', async () => {
  const input = '42\nnull\n[1]\n{"n":3}\n';
  const f = await runSluice(['filter', 'r.n > 1', '--on-error', 'skip'], { input });
  assert.equal(f.code, 0, f.stderr);
  assert.equal(f.stdout, '{"n":3}\n');
  assert.match(f.stderr, /^sluice filter: stdin:2: expression 'r\.n > 1' threw: Cannot read properties of null \(reading 'n'\); skipped \(line: null\)$/m);
  const m = await runSluice(['map', 'r.n.toFixed(1)', '--on-error', 'skip'], { input });
  assert.equal(m.code, 0, m.stderr);
  assert.deepEqual(records(m.stdout), [{ value: '3.0' }]);
  assertDiagnosticsOnly(m.stderr);
  assert.match(m.stderr, /^sluice map: 3 bad records skipped$/m);
  const c = await runSluice(['sink', 'console'], { input });
  assert.equal(c.code, 0, c.stderr);
  const s = await runSluice(['sink'], { input });
  assert.equal(s.stdout, input, 'sink stdout passes any JSON value through');
});

test('a non-numeric value in a summed field: a bad record naming the field', async () => {
  const r = await runSluice(['reduce-by-key', 'k', '--sum', 'v', '--on-error', 'skip', '--data-only'], { bounded: true, input: '{"k":"a","v":1}\n{"k":"a","v":"x"}\n{"k":"a","v":{"y":1}}\n{"k":"a","v":2}\n' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(records(r.stdout)[0]!['sum_v'], 3);
  assert.match(r.stderr, /^sluice reduce-by-key: stdin:2: sum_v: field 'v' is "x", not a number; skipped/m);
  assert.match(r.stderr, /^sluice reduce-by-key: stdin:3: /m);
});

test('__proto__, constructor, toString, hasOwnProperty as record keys: preserved through every stage', async () => {
  const line = '{"__proto__":{"x":1},"constructor":2,"toString":3,"hasOwnProperty":4}';
  const r = await sh(`sluice source --format json | sluice map r | sluice filter 'true' | sluice map '({...r, y: 1})' | sluice sink`, { input: `${line}\n` });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '{"__proto__":{"x":1},"constructor":2,"toString":3,"hasOwnProperty":4,"y":1}\n');
  const p = await runSluice(['map', '({polluted: ({}).x === undefined})'], { input: `${line}\n` });
  assert.equal(p.stdout, '{"polluted":true}\n', 'reading __proto__ must not pollute Object.prototype');
});

test('__proto__, constructor, toString, hasOwnProperty as key values and key fields: counted correctly', async () => {
  const keys = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf', 'constructor', '__proto__'];
  const input = keys.map((k) => JSON.stringify({ k, n: 1 })).join('\n') + '\n';
  const r = await runSluice(['reduce-by-key', 'k', '--count', '--sum', 'n', '--data-only'], { input, bounded: true });
  assert.equal(r.code, 0, r.stderr);
  const counts = new Map(records(r.stdout).map((row) => [row['k'], [row['count'], row['sum_n']]]));
  assert.deepEqual([...counts.entries()].sort(), [
    ['__proto__', [3, 3]],
    ['constructor', [2, 2]],
    ['hasOwnProperty', [1, 1]],
    ['toString', [1, 1]],
    ['valueOf', [1, 1]],
  ]);
  const f = await runSluice(['reduce-by-key', '__proto__', '--count', '--data-only'], { bounded: true, input: '{"__proto__":"a"}\n{"__proto__":"a"}\n{"constructor":1}\n' });
  const rows = records(f.stdout).map((row) => [Object.hasOwn(row, '__proto__') ? row['__proto__'] : 'MISSING', row['count']]);
  assert.deepEqual(rows, [['a', 2], [null, 1]]);
});

test('nesting deeper than --max-depth (default 1000): rejected at the reading stage with its line', async () => {
  const deep = '['.repeat(5000) + ']'.repeat(5000);
  const r = await runSluice(['map', '({d: r})', '--on-error', 'skip'], { input: `{"n":1}\n${deep}\n{"n":3}\n` });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(records(r.stdout), [{ d: { n: 1 } }, { d: { n: 3 } }]);
  assert.match(r.stderr, /^sluice map: stdin:2: nesting deeper than 1000 levels \(--max-depth\); skipped/);
  assertDiagnosticsOnly(r.stderr);
  // 20,000 levels: JSON.stringify would throw RangeError downstream; it must never get there.
  let obj = '1';
  for (let i = 0; i < 20_000; i++) obj = `{"a":${obj}}`;
  const s = await sh(`sluice source --format json --on-error skip | sluice map r | sluice sink`, { input: `{"n":1}\n${obj}\n{"n":3}\n` });
  assert.equal(s.code, 0, s.stderr);
  assert.deepEqual(records(s.stdout), [{ n: 1 }, { n: 3 }]);
  assert.match(s.stderr, /^sluice source: stdin:2: nesting deeper than 1000 levels/);
  assertDiagnosticsOnly(s.stderr);
  const ok = await runSluice(['map', 'r', '--max-depth', '3'], { input: '{"a":{"b":{"c":1}}}\n{"a":{"b":{"c":{"d":1}}}}\n' });
  assert.equal(ok.code, 1);
  assert.equal(ok.stdout, '{"a":{"b":{"c":1}}}\n');
  assert.match(ok.stderr, /^sluice map: stdin:2: nesting deeper than 3 levels/);
});

test('a record nested too deeply for JSON.stringify, built by an expression: a bad record, not a crash', async () => {
  const expr = '(() => { let x = {}; for (let i = 0; i < 100000; i++) x = {x}; return r.n === 2 ? x : r; })()';
  const r = await runSluice(['map', expr, '--on-error', 'skip'], { input: '{"n":1}\n{"n":2}\n{"n":3}\n' });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(records(r.stdout), [{ n: 1 }, { n: 3 }]);
  assert.match(r.stderr, /^sluice map: stdin:2: cannot serialise output record: .*; skipped/);
});

test('a single 100 MB line: bounded by --max-line-bytes, reported and skipped, memory stays low', async () => {
  const chunk = Buffer.alloc(1 << 20, 'x');
  const r = await runSluice(['map', 'r', '--on-error', 'skip', '--max-line-bytes', String(1 << 20)], {
    measureRss: true,
    timeoutMs: 60_000,
    input: async (stdin) => {
      await writeAndDrain(stdin, '{"n":1}\n{"s":"');
      for (let i = 0; i < 100; i++) await writeAndDrain(stdin, chunk);
      stdin.end('"}\n{"n":3}\n');
    },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(records(r.stdout), [{ n: 1 }, { n: 3 }]);
  assert.match(r.stderr, /^sluice map: stdin:2: line of 104857608 bytes is longer than --max-line-bytes 1048576 \(not read into memory\); skipped$/m);
  assert.ok(r.peakRssKb !== undefined && r.peakRssKb < 150 * 1024, `peak RSS ${r.peakRssKb} kB`);
  console.log(`# 100 MB line: peak RSS ${Math.round(r.peakRssKb! / 1024)} MB`);
});

test('the default --max-line-bytes (16 MiB) also bounds a 100 MB line at the source', async () => {
  const chunk = Buffer.alloc(1 << 20, 'y');
  const r = await runSluice(['source', '--data-only', '--on-error', 'skip'], {
    measureRss: true,
    timeoutMs: 60_000,
    input: async (stdin) => {
      await writeAndDrain(stdin, 'before\n');
      for (let i = 0; i < 100; i++) await writeAndDrain(stdin, chunk);
      stdin.end('\nafter\n');
    },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '{"value":"before"}\n{"value":"after"}\n');
  assert.match(r.stderr, /^sluice source: stdin:2: line of 104857600 bytes is longer than --max-line-bytes 16777216/m);
  assert.ok(r.peakRssKb! < 150 * 1024, `peak RSS ${r.peakRssKb} kB`);
});

test('a user expression that throws: policy per record, diagnostic shows the expression and position', async () => {
  const input = '{"a":{"b":1}}\n{"x":1}\n{"a":{"b":3}}\n';
  const skip = await runSluice(['map', 'r.a.b * 10', '--on-error', 'skip'], { input });
  assert.equal(skip.code, 0, skip.stderr);
  assert.deepEqual(records(skip.stdout), [{ value: 10 }, { value: 30 }]);
  assert.match(skip.stderr, /^sluice map: stdin:2: expression 'r\.a\.b \* 10' threw: Cannot read properties of undefined \(reading 'b'\); skipped \(line: \{"x":1\}\)$/m);
  const fail = await runSluice(['filter', 'r.a.b > 0'], { input });
  assert.equal(fail.code, 1);
  assert.equal(fail.stdout, '{"a":{"b":1}}\n');
  assert.match(fail.stderr, /^sluice filter: stdin:2: expression 'r\.a\.b > 0' threw: /);
  const key = await runSluice(['reduce-by-key', '--key-expr', 'r.a.b', '--count', '--on-error', 'skip', '--data-only'], { input, bounded: true });
  assert.equal(key.code, 0, key.stderr);
  assert.match(key.stderr, /^sluice reduce-by-key: stdin:2: --key-expr 'r\.a\.b' threw: /m);
  assert.equal(records(key.stdout).length, 2);
  const red = await runSluice(['reduce-by-key', '--reduce', '({n: a.n + b.q.n})', '--on-error', 'skip', '--data-only'], { bounded: true, input: '{"n":1}\n{"n":2}\n' });
  assert.equal(red.code, 0, red.stderr);
  assert.match(red.stderr, /^sluice reduce-by-key: stdin:2: --reduce '\(\{n: a\.n \+ b\.q\.n\}\)' threw: /m);
});

test('1e400 in a sum: a bad record at its line; the aggregate stays finite', async () => {
  const input = '{"k":"a","v":1}\n{"k":"a","v":1e400}\n{"k":"a","v":2}\n{"k":"b","v":-1e400}\n';
  const r = await runSluice(['reduce-by-key', 'k', '--sum', 'v', '--max', 'v', '--on-error', 'skip', '--data-only'], { input, bounded: true });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(records(r.stdout).map((row) => [row['k'], row['sum_v'], row['max_v']]), [['a', 3, 2]]);
  assert.match(r.stderr, /^sluice reduce-by-key: stdin:2: sum_v: field 'v' is beyond the range of a double \(read as Infinity\); skipped/m);
  assert.match(r.stderr, /^sluice reduce-by-key: stdin:4: /m);
});

test('a sum that overflows: written as null and said so; integers above 2^53: said so', async () => {
  const over = await runSluice(['reduce-by-key', 'k', '--sum', 'v', '--on-error', 'skip', '--data-only'], { bounded: true, input: '{"k":"a","v":1e308}\n{"k":"a","v":1e308}\n' });
  assert.equal(over.code, 0, over.stderr);
  assert.equal(records(over.stdout)[0]!['sum_v'], null);
  assert.match(over.stderr, /aggregate sum_v is not finite .*written as null/);
  const big = await runSluice(['reduce-by-key', 'k', '--sum', 'v', '--data-only'], { bounded: true, input: '{"k":"a","v":9007199254740993}\n{"k":"a","v":1}\n' });
  assert.equal(big.code, 0, big.stderr);
  assert.match(big.stderr, /^sluice reduce-by-key: output: aggregate sum_v for key \["a"\] is an integer beyond 2\^53-1: its last digits may be wrong/m);
  const small = await runSluice(['reduce-by-key', 'k', '--sum', 'v', '--data-only'], { bounded: true, input: '{"k":"a","v":9007199254740990}\n{"k":"a","v":1}\n' });
  assert.equal(small.stderr, '');
  assert.equal(records(small.stdout)[0]!['sum_v'], 9007199254740991);
});
