// Issue 11.5: a source that stops (reader gone, SIGTERM, SIGINT) ends at its
// last complete line; the unfinished tail of its current read is never framed
// as a line. Files are large enough that a stop lands mid-read, at random moments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sh, tempDir } from '../helpers/run.js';
import { assertDiagnosticsOnly, lines, pidOf, sleep, stageFunction, waitFor } from './harness.js';

const TRIALS = Number(process.env['SLUICE_STOP_TRIALS'] ?? 8);
const CODE = { SIGINT: 130, SIGTERM: 143 } as const;

/**
 * About 50 MB of NDJSON: many 64 KiB reads, so a stop nearly always finds
 * half a line held, and far more than a 1 MiB pipe (pipe-capacity.ts) and the
 * sink's reads hold before the test sees the sink's first output and freezes it.
 */
function bigJson(dir: string): string[] {
  const rows: string[] = [];
  for (let i = 0; i < 1_000_000; i++) rows.push(JSON.stringify({ n: i, text: `hello world ${i} ${'x'.repeat(i % 40)}` }));
  writeFileSync(join(dir, 'big.ndjson'), rows.join('\n') + '\n');
  return rows;
}

/** Text lines of varied length, some with multi-byte characters. */
function bigText(dir: string): string {
  const rows: string[] = [];
  for (let i = 0; i < 200_000; i++) rows.push(`line ${i} ${i % 7 === 0 ? 'héllo wörld ' : ''}${'y'.repeat(i % 53)}`);
  const text = rows.join('\n') + '\n';
  writeFileSync(join(dir, 'big.txt'), text);
  return text;
}

/**
 * Signals the source once the sink has written something, after a random
 * pause. Every other trial freezes the sink (SIGSTOP) as soon as it has
 * written, so the source is surely mid-file, blocked on a full pipe, when the
 * signal comes (on a quiet machine the other trials may find the file read
 * whole); the sink then continues (SIGCONT).
 */
async function stopSourceAtRandom(dir: string, trial: number, sig: NodeJS.Signals, started: () => boolean): Promise<void> {
  const src = await pidOf(dir, 'src');
  const sink = await pidOf(dir, 'sink');
  await waitFor(started, 20_000);
  const freeze = trial % 4 < 2 && signal(sink, 'SIGSTOP');
  await sleep(Math.random() * 400);
  signal(src, sig);
  if (freeze) signal(sink, 'SIGCONT');
}

/** False when the process has already ended (the trial then checks a complete run). */
function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    return false;
  }
}

test('source file big.ndjson --format json | head -n 1: exit 0, nothing on stderr', async () => {
  const dir = tempDir('sluice-stop-');
  bigJson(dir);
  for (let i = 0; i < 4; i++) {
    const r = await sh('sluice source file big.ndjson --format json | head -n 1; echo "${PIPESTATUS[*]}"', { cwd: dir });
    const out = lines(r.stdout);
    assert.equal(out.at(-1), '0 0', `exit statuses of source and head (stderr: ${r.stderr})`);
    assert.equal(r.stderr, '');
  }
});

test(`SIGTERM/SIGINT to source file at random moments (${TRIALS} trials): 143/130, flushed, every line whole`, { timeout: TRIALS * 30_000 }, async () => {
  const dir = tempDir('sluice-stop-');
  const rows = bigJson(dir);
  let midway = 0;
  for (let trial = 0; trial < TRIALS; trial++) {
    const sig = trial % 2 === 0 ? 'SIGTERM' : 'SIGINT';
    for (const f of ['src.pid', 'status', 'out.ndjson']) writeFileSync(join(dir, f), '');
    // A slow reader (the sink stage) keeps the source mid-file for a while.
    const run = sh(`${stageFunction(dir)}; stage src source file big.ndjson --format json | stage sink sink > out.ndjson; echo "\${PIPESTATUS[*]}" > status`, {
      cwd: dir,
      timeoutMs: 60_000,
    });
    await stopSourceAtRandom(dir, trial, sig, () => readFileSync(join(dir, 'out.ndjson')).length > 0);
    const r = await run;
    const status = readFileSync(join(dir, 'status'), 'utf8').trim().split(' ').map(Number);
    const out = lines(readFileSync(join(dir, 'out.ndjson'), 'utf8'));
    const what = `trial ${trial} (${sig}, ${out.length} rows out)`;
    assert.equal(status[1], 0, `${what}: the sink (${r.stderr})`);
    if (out.length === rows.length) {
      assert.equal(status[0], 0, `${what}: finished before the signal`);
      continue;
    }
    midway++;
    assert.equal(status[0], CODE[sig], `${what}: exit status of the source (${r.stderr})`);
    assertDiagnosticsOnly(r.stderr);
    assert.doesNotMatch(r.stderr, /invalid JSON/, what);
    // Flushed: the rows out are exactly the first rows of the file, each whole.
    out.forEach((line, i) => assert.equal(line, rows[i], `${what}: row ${i}`));
  }
  assert.ok(midway >= TRIALS / 2, `most trials stopped the source midway (${midway} of ${TRIALS})`);
});

test(`text with --checkpoint, the source stopped at random moments (${TRIALS} trials): no torn line committed, the rerun gives the file exactly`, { timeout: TRIALS * 60_000 }, async () => {
  let midway = 0;
  for (let trial = 0; trial < TRIALS; trial++) {
    const dir = tempDir('sluice-stop-');
    const text = bigText(dir);
    const sig = trial % 2 === 0 ? 'SIGTERM' : 'SIGINT';
    writeFileSync(join(dir, 'status'), '');
    const pipeline = 'source file big.txt --checkpoint C --max-records-per-batch 7000 | stage sink sink file out.ndjson --checkpoint C';
    const run = sh(`${stageFunction(dir)}; stage src ${pipeline}; echo "\${PIPESTATUS[*]}" > status`, { cwd: dir, timeoutMs: 60_000 });
    await stopSourceAtRandom(dir, trial, sig, () => existsSync(join(dir, 'out.ndjson')) && readFileSync(join(dir, 'out.ndjson')).length > 0);
    const r = await run;
    const status = readFileSync(join(dir, 'status'), 'utf8').trim().split(' ').map(Number);
    assert.equal(status[1], 0, `trial ${trial}: the sink (${r.stderr})`);
    if (status[0] === CODE[sig]) midway++;
    else assert.equal(status[0], 0, `trial ${trial}: the source (${r.stderr})`);
    assertDiagnosticsOnly(r.stderr);
    // What the stopped run wrote: whole lines of the file, in order.
    const firstValues = lines(readFileSync(join(dir, 'out.ndjson'), 'utf8')).map((l) => (JSON.parse(l) as { value: string }).value);
    assert.ok(text.startsWith(firstValues.map((v) => v + '\n').join('')), `trial ${trial} (${sig}): the stopped run wrote a torn line`);

    const rerun = await sh(`${stageFunction(dir)}; stage src ${pipeline}`, { cwd: dir, timeoutMs: 60_000 });
    assert.equal(rerun.code, 0, rerun.stderr);
    const values = lines(readFileSync(join(dir, 'out.ndjson'), 'utf8')).map((l) => (JSON.parse(l) as { value: string }).value);
    assert.equal(values.map((v) => v + '\n').join(''), text, `trial ${trial} (${sig}, ${firstValues.length} rows before the rerun): ${dir}`);
  }
  assert.ok(midway >= TRIALS / 2, `most trials stopped the source midway (${midway} of ${TRIALS})`);
});

test('stdin: a signal in the middle of a line emits the complete lines and says how many bytes it left', async () => {
  const dir = tempDir('sluice-stop-');
  writeFileSync(join(dir, 'out.ndjson'), '');
  const run = sh(`${stageFunction(dir)}; (printf 'abc\\npartial'; sleep 20) | stage src source --data-only > out.ndjson; echo "\${PIPESTATUS[1]}" > status`, { cwd: dir, timeoutMs: 30_000 });
  const src = await pidOf(dir, 'src');
  await waitFor(() => readFileSync(join(dir, 'out.ndjson'), 'utf8').length > 0, 20_000);
  process.kill(src, 'SIGTERM');
  const r = await run;
  assert.equal(readFileSync(join(dir, 'out.ndjson'), 'utf8'), '{"value":"abc"}\n');
  assert.equal(readFileSync(join(dir, 'status'), 'utf8').trim(), '143');
  assert.equal(r.stderr, 'sluice source: stdin: stopped inside a line; its 7 bytes read so far are not emitted\n');
});
