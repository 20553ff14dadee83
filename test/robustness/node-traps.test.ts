// One test per Node.js trap in RELIABILITY.md; each fails if the trap comes back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { records, sh, tempDir } from '../helpers/run.js';
import { lines, pidOf, rssKb, runSluice, sleep, stageFunction, writeAndDrain } from './harness.js';
import { testNeeding } from '../helpers/tools.js';

const BACKPRESSURE_SECONDS = Number(process.env['SLUICE_BACKPRESSURE_SECONDS'] ?? 12);

test('trap: process.exit drops queued output: 2,000,000 records through a slow reader all arrive, exit 0', async () => {
  // The reader starts a second late, so at the end of input most output is still queued in the stage.
  const r = await sh(`seq 2000000 | sluice map '({n: r})' | (sleep 1; tail -n 1; ) ; echo "status \${PIPESTATUS[*]}"; seq 2000000 | sluice source --data-only | (sleep 1; wc -l)`, {
    timeoutMs: 120_000,
  });
  const out = lines(r.stdout);
  assert.equal(out[0], '{"n":2000000}', r.stderr + r.stdout);
  assert.equal(out[1], 'status 0 0 0');
  assert.equal(out[2]!.trim(), '2000000');
  assert.equal(r.stderr, '');
});

test('trap: EPIPE after | head: every stage exits 0 at once, nothing on stderr, an endless source stops', async () => {
  const t0 = Date.now();
  const r = await sh(
    `sluice source rate --per-second 100000 | sluice map r | head -n 10; echo "status \${PIPESTATUS[*]}"`,
    { timeoutMs: 30_000 },
  );
  const elapsed = Date.now() - t0;
  const out = lines(r.stdout);
  assert.equal(out.length, 11, r.stdout);
  assert.equal(out[10], 'status 0 0 0');
  assert.equal(r.stderr, '');
  // Start-up of two node processes plus one second to stop, with room for a loaded machine.
  assert.ok(elapsed < 6000, `took ${elapsed} ms`);
  console.log(`# rate | map | head -n 10: ${elapsed} ms`);
});

test('trap: EPIPE with yes | sluice ... | head: sluice stages exit 0, quiet, within seconds', async () => {
  const t0 = Date.now();
  const r = await sh(`yes '{"a":1}' | sluice map r | sluice filter 'r.a === 1' | head -n 10 >/dev/null; echo "status \${PIPESTATUS[*]}"; yes | sluice source | sluice sink console | head -n 3 >/dev/null; echo "status \${PIPESTATUS[*]}"`, {
    timeoutMs: 30_000,
  });
  const elapsed = Date.now() - t0;
  const out = lines(r.stdout);
  // yes itself dies of SIGPIPE (141); every sluice stage exits 0.
  assert.equal(out[0], 'status 141 0 0 0');
  assert.equal(out[1], 'status 141 0 0 0');
  assert.equal(r.stderr, '');
  assert.ok(elapsed < 12_000, `took ${elapsed} ms`);
});

testNeeding(['pv'], `trap: ignoring write() === false: a fast producer into pv -qL 100k for ${BACKPRESSURE_SECONDS}s, every stage's memory stays flat`, {}, async () => {
  const dir = tempDir();
  const run = sh(
    `${stageFunction(dir)}; stage src source rate --per-second 1000000 | stage map map '({...r, x: 1})' | stage filter filter 'r.x === 1' | pv -qL 100k > /dev/null`,
    { timeoutMs: (BACKPRESSURE_SECONDS + 30) * 1000 },
  );
  const names = ['src', 'map', 'filter'];
  const pids = await Promise.all(names.map((n) => pidOf(dir, n)));
  const samples: number[][] = names.map(() => []);
  const until = Date.now() + BACKPRESSURE_SECONDS * 1000;
  while (Date.now() < until) {
    await sleep(250);
    pids.forEach((pid, i) => {
      const kb = rssKb(pid);
      if (kb !== undefined) samples[i]!.push(kb);
    });
  }
  process.kill(pids[0]!, 'SIGTERM');
  await run;
  names.forEach((name, i) => {
    const s = samples[i]!;
    assert.ok(s.length > 10, `${name}: too few samples`);
    const third = Math.floor(s.length / 3);
    const early = Math.max(...s.slice(0, third));
    const late = Math.max(...s.slice(-third));
    const peak = Math.max(...s);
    console.log(`# backpressure ${name}: peak ${Math.round(peak / 1024)} MB, first third ${Math.round(early / 1024)} MB, last third ${Math.round(late / 1024)} MB`);
    assert.ok(peak < 150 * 1024, `${name}: peak RSS ${peak} kB`);
    assert.ok(late < early + 30 * 1024, `${name}: RSS grew from ${early} kB to ${late} kB`);
  });
});

test('trap: JSON.stringify throws on deep nesting that JSON.parse accepts: stopped at the reading stage', async () => {
  let deep = '0';
  for (let i = 0; i < 50_000; i++) deep = `[${deep}]`;
  const r = await sh(`sluice map r --on-error skip | sluice filter true | sluice sink`, { input: `{"n":1}\n${deep}\n{"n":3}\n` });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(records(r.stdout), [{ n: 1 }, { n: 3 }]);
  assert.match(r.stderr, /^sluice map: stdin:2: nesting deeper than 1000 levels \(--max-depth\); skipped/);
  assert.doesNotMatch(r.stderr, /RangeError|Maximum call stack/);
});

test('trap: a {} accumulator loses __proto__ and miscounts constructor/hasOwnProperty/toString', async () => {
  const words = '__proto__ constructor hasOwnProperty toString __proto__ constructor valueOf';
  const dir = tempDir();
  writeFileSync(`${dir}/words.txt`, `${words}\n`);
  const r = await sh(`sluice source < words.txt | sluice map --flat 'r.value.split(" ")' | sluice reduce-by-key value --count | sluice sink`, { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const counts = Object.fromEntries(records(r.stdout).map((row) => [`k:${row['value']}`, row['count']]));
  assert.deepEqual(counts, { 'k:__proto__': 2, 'k:constructor': 2, 'k:hasOwnProperty': 1, 'k:toString': 1, 'k:valueOf': 1 });
});

test('trap: 1e400 parses to Infinity and 2^53+1 loses digits: the aggregate stays finite or says so', async () => {
  const r = await runSluice(['reduce-by-key', '--sum', 'v', '--on-error', 'skip', '--data-only'], { bounded: true, input: '{"v":1e400}\n{"v":1}\n' });
  assert.equal(records(r.stdout)[0]!['sum_v'], 1);
  assert.match(r.stderr, /stdin:1: sum_v: field 'v' is beyond the range of a double/);
  const big = await runSluice(['reduce-by-key', '--sum', 'v', '--data-only'], { bounded: true, input: '{"v":9007199254740993}\n' });
  assert.match(big.stderr, /is an integer beyond 2\^53-1: its last digits may be wrong/);
});

test('trap: a multi-byte character split across two reads is decoded intact (stage and source)', async () => {
  const euro = Buffer.from('€😀', 'utf8'); // 3 + 4 bytes
  const feed = async (stdin: Writable) => {
    for (let cut = 1; cut < euro.length; cut++) {
      await writeAndDrain(stdin, Buffer.concat([Buffer.from('{"s":"'), euro.subarray(0, cut)]));
      await sleep(60);
      await writeAndDrain(stdin, Buffer.concat([euro.subarray(cut), Buffer.from('"}\n')]));
      await sleep(20);
    }
    stdin.end();
  };
  const m = await runSluice(['map', 'r'], { input: feed });
  assert.equal(m.code, 0, m.stderr);
  assert.deepEqual(records(m.stdout), Array.from({ length: euro.length - 1 }, () => ({ s: '€😀' })));
  assert.equal(m.stderr, '');
  const s = await runSluice(['source', '--format', 'json', '--data-only'], { input: feed });
  assert.deepEqual(records(s.stdout), Array.from({ length: euro.length - 1 }, () => ({ s: '€😀' })));
  assert.equal(s.stderr, '');
});
