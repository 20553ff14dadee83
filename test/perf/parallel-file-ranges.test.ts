// reduce-by-key --parallel N over a regular file on stdin: each thread reads
// its own byte range in place (src/engine/operators/file-ranges.ts), the lines
// numbered after every range is counted. Random files of plain lines with bad
// records, cut into ranges at every kind of place (small blocks, 2-4 threads,
// CRLF, a last line without LF, one line, long lines, an offset already read),
// must give what --parallel 1 and SLUICE_FAST=0 give: stdout byte for byte,
// the same diagnostics (line numbers) in order, exit status and dead letters.
//   SLUICE_RANGES_CASES=N  how many random files (default 3); SLUICE_RANGES_SEED=S replays one
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sh, sluiceBin, tempDir } from '../helpers/run.js';
import { background } from '../helpers/background.js';
import { waitFor } from '../robustness/harness.js';
import { rng } from '../window/events.js';

const replay = process.env['SLUICE_RANGES_SEED'];
const cases = replay !== undefined ? 1 : Number(process.env['SLUICE_RANGES_CASES'] ?? 3);
const base = replay !== undefined ? Number(replay) : Math.floor(Math.random() * 1e9);
const seeds = Array.from({ length: cases }, (_, i) => base + i);

/** A plain line (the range reader takes it), a bad record now and then, CRLF now and then. */
function line(r: () => number, i: number, badRate: number): string {
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  let text: string;
  if (r() < badRate) text = pick(['{"k":"a","v":', '{"k":"b","v":"x"}', '{"k":"c","v":1e400}', '[1,2]', '7', 'not json']);
  else text = JSON.stringify({ k: pick(['a', 'b', 'c', 'ä', '__proto__', 1]), s: `s${i}`, v: r() < 0.9 ? Math.floor(r() * 2000) - 1000 : null, pad: 'x'.repeat(Math.floor(r() * r() * 300)) });
  return r() < 0.05 ? `${text}\r` : text;
}

function file(seed: number, lines: number, badRate: number): string {
  const r = rng(seed);
  return Array.from({ length: lines }, (_, i) => line(r, i, badRate)).join('\n') + (r() < 0.5 ? '\n' : '');
}

async function outcome(dir: string, command: string, env: NodeJS.ProcessEnv): Promise<string> {
  const r = await sh(`rm -f dead.txt; ${command}`, { cwd: dir, env, timeoutMs: 90_000 });
  const dead = existsSync(join(dir, 'dead.txt')) ? readFileSync(join(dir, 'dead.txt'), 'utf8') : '';
  return `stdout:\n${r.stdout}\nstderr:\n${r.stderr}\ndead:\n${dead}`;
}

/**
 * `command(n)` for --parallel 1 (fast and SLUICE_FAST=0) and each n: equal
 * outcomes. After the stage, `wc -c` reads on from stdin's offset: the whole
 * file when the stage read it in ranges (pread leaves the offset alone), so
 * the test knows the ranges were taken and not the stream.
 */
async function assertSame(dir: string, what: string, command: (n: number) => string, workers: number[], blockBytes: number, ranged: boolean | undefined): Promise<void> {
  const env = { SLUICE_RANGE_BLOCK_BYTES: String(blockBytes) };
  const strip = (s: string) => s.replace(/\nrest=\d+\n/, '\n');
  const one = await outcome(dir, command(1), { ...env, SLUICE_FAST: '1' });
  assert.equal(strip(await outcome(dir, command(1), { ...env, SLUICE_FAST: '0' })), strip(one), `${what}: SLUICE_FAST=0 differs`);
  for (const n of workers) {
    const got = await outcome(dir, command(n), { ...env, SLUICE_FAST: '1' });
    assert.equal(strip(got), strip(one), `${what}: --parallel ${n} (blocks of ${blockBytes} bytes)`);
    if (ranged !== undefined) assert.equal(/\nrest=0\n/.test(got), !ranged, `${what}: --parallel ${n} ${ranged ? 'did not read the file in ranges' : 'read in ranges'}`);
  }
}

/** The stage's exit status, then what is left to read on its stdin. */
const AFTER = `echo "status=$?" >&2; echo "rest=$(wc -c | tr -d ' ')"`;
const run = (args: string, input: string) => (n: number) => `{ sluice reduce-by-key ${args} --parallel ${n}; ${AFTER}; } < ${input}`;
const PLAIN = 'k --count --sum v --avg v --min v --max v';
const GENERAL = 'k --count --sum v --first s --last s';

for (const seed of seeds) {
  test(`--parallel over a regular file reads it in ranges and equals --parallel 1, seed ${seed} (replay: SLUICE_RANGES_SEED=${seed})`, { timeout: 600_000 }, async () => {
    const dir = tempDir();
    const r = rng(seed);
    const lines = 500 + Math.floor(r() * 6000);
    writeFileSync(join(dir, 'in.ndjson'), file(seed, lines, 0.01));
    writeFileSync(join(dir, 'rare.ndjson'), file(seed + 1, lines, 0.0015));
    // Blocks from a few lines to bigger than a range: cuts and block ends fall before, on and after LFs and CRs.
    for (const block of [64 + Math.floor(r() * 400), 1 << 20]) {
      for (const policy of ['skip', 'dead-letter=dead.txt']) {
        await assertSame(dir, `--on-error ${policy}`, run(`${PLAIN} --on-error ${policy}`, 'in.ndjson'), [2, 3, 4], block, true);
        await assertSame(dir, `general aggregates, --on-error ${policy}`, run(`${GENERAL} --on-error ${policy}`, 'in.ndjson'), [2, 3], block, true);
      }
      // fail: the first bad line of the file, wherever the ranges are cut.
      await assertSame(dir, '--on-error fail', run(PLAIN, 'rare.ndjson'), [2, 3], block, true);
    }
    // Part of the file already read by the shell: the ranges start at stdin's offset.
    await assertSame(dir, 'an offset', (n) => `{ read -r first; sluice reduce-by-key ${PLAIN} --on-error skip --parallel ${n}; ${AFTER}; } < in.ndjson`, [2], 256, true);
  });
}

test('--parallel over a regular file: tiny files and long lines are cut right', { timeout: 300_000 }, async () => {
  const dir = tempDir();
  const cases: [string, string][] = [
    ['one line', '{"k":"a","v":1}'],
    ['one line and a LF', '{"k":"a","v":1}\n'],
    ['two lines, the second bad', '{"k":"a","v":1}\n{"k":"a","v":"x"}\n'],
    ['a byte order mark, which the stage drops', '\ufeff{"k":"a","v":1}\n{"k":"b","v":2}\n{"k":"a","v":"x"}\n'],
    ['long lines around short ones', [`{"k":"a","v":1,"s":"${'y'.repeat(5000)}"}`, '{"k":"b","v":2}', 'oops', `{"k":"a","v":3,"s":"${'z'.repeat(9000)}"}`, '{"k":"c","v":"x"}'].join('\n')],
  ];
  for (const [what, text] of cases) {
    writeFileSync(join(dir, 'f.ndjson'), text);
    await assertSame(dir, what, run(`${PLAIN} --on-error skip`, 'f.ndjson'), [2, 3, 4], 128, true);
  }
  writeFileSync(join(dir, 'empty.ndjson'), '');
  assert.equal(statSync(join(dir, 'empty.ndjson')).size, 0);
  await assertSame(dir, 'an empty file', run(PLAIN, 'empty.ndjson'), [2], 128, undefined);
});

test('--parallel over a regular file with a blank line, an indented line or a control record reads it as a stream, as today', { timeout: 300_000 }, async () => {
  const dir = tempDir();
  const body = file(7, 3000, 0.01).split('\n');
  const cases: [string, string][] = [
    ['a blank line', ''],
    ['an indented line', '  {"k":"a","v":1}'],
    ['a control-shaped line', '{"__sluice":{"v":2,"type":"eos","token":"0123456789abcdef0123"}}'],
  ];
  for (const [what, odd] of cases) {
    const lines = [...body];
    lines.splice(2500, 0, odd);
    writeFileSync(join(dir, 'odd.ndjson'), lines.join('\n'));
    await assertSame(dir, what, run(`${PLAIN} --on-error skip`, 'odd.ndjson'), [2], 1 << 20, false);
  }
  // A sluice stream in a file: its batches, watermarks and end of stream are followed as one thread follows them.
  writeFileSync(join(dir, 'in.ndjson'), body.join('\n'));
  await sh(`sluice source file in.ndjson --format json --on-error skip --max-records-per-batch 400 > stream.ndjson 2>/dev/null`, { cwd: dir, timeoutMs: 60_000 });
  await assertSame(dir, 'a sluice stream', (n) => `{ sluice reduce-by-key ${PLAIN} --on-error skip --parallel ${n} | sluice sink; ${AFTER}; } < stream.ndjson`, [2], 1 << 20, false);
});

test('--parallel over a regular file: a signal stops the ranges after the grace period, with the rows of what was read, exit 130', { timeout: 300_000 }, async () => {
  const dir = tempDir();
  // 10M lines: read a line a turn, more than an idle machine's two cores get through in the grace period (2M once did).
  const piece = Buffer.from(Array.from({ length: 100_000 }, (_, i) => `{"k":${i % 7},"v":${i % 100}}\n`).join(''));
  const lines = 100 * 100_000;
  writeFileSync(join(dir, 'big.ndjson'), Buffer.concat(Array.from({ length: 100 }, () => piece)));
  // Blocks of one line: the stage's thread turns its event loop once a line, so its million lines last longer than the grace period.
  // The ranges are a fast path: forced on here, also in the tier that runs with SLUICE_FAST=0 (where a file is read as a stream, to its end within the grace period).
  const run = background(`echo $$ > pid; exec node ${JSON.stringify(sluiceBin)} reduce-by-key k --count --sum v --parallel 2 < big.ndjson > out.ndjson`, { cwd: dir, env: { SLUICE_RANGE_BLOCK_BYTES: '32', SLUICE_FAST: '1' }, timeoutMs: 120_000 });
  await waitFor(() => existsSync(join(dir, 'pid')) && readFileSync(join(dir, 'pid'), 'utf8').endsWith('\n'), 60_000);
  const pid = Number(readFileSync(join(dir, 'pid'), 'utf8'));
  // Reading the file has begun: the stage has read far more than its own code.
  await waitFor(() => {
    try {
      return Number(/rchar: (\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))![1]) > 4_000_000;
    } catch {
      return false;
    }
  }, 60_000);
  run.signal('SIGINT');
  const r = await run.done;
  assert.equal(r.code, 130, r.stderr);
  const rows = readFileSync(join(dir, 'out.ndjson'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { count: number });
  const counted = rows.reduce((n, row) => n + row.count, 0);
  assert.ok(counted > 0 && counted < lines, `rows of part of the file: ${counted} of ${lines} lines`);
});
