// Issue 11.6: with --max-records-per-batch every batch boundary carries exactly
// the position after the last record before it, also when the batch is cut in
// the middle of one read. Whole pipelines are killed with SIGKILL at random
// moments and restarted with the same command: the committing file sink ends
// with every line once (0 duplicates, 0 lost), for `source dir` and `source file`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { background } from '../helpers/background.js';
import { tempDir } from '../helpers/run.js';
import { committedLength, runPipeline } from './kill.js';
import { waitFor } from '../robustness/harness.js';

const KILLS = Number(process.env['SLUICE_KILL_TRIALS'] ?? 6);

/** Fixed-width unique lines, so the output's size tells when everything is out. */
function writeInputs(dir: string, files: number, perFile: number): { values: string[]; outBytes: number } {
  const values: string[] = [];
  for (let f = 1; f <= files; f++) {
    const mine: string[] = [];
    for (let i = 0; i < perFile; i++) mine.push(`f${f}-${String(i).padStart(7, '0')}`);
    writeFileSync(join(dir, `f${f}.txt`), mine.join('\n') + '\n');
    for (const v of mine) values.push(v);
  }
  return { values, outBytes: values.reduce((n, v) => n + `{"value":"${v}"}\n`.length, 0) };
}

/** Duplicates and missing values of the sink's file against the input. */
function tally(out: string, values: string[]): { duplicated: number; lost: number } {
  const seen = new Map<string, number>();
  for (const line of out.split('\n')) {
    if (line === '') continue;
    const v = (JSON.parse(line) as { value: string }).value;
    seen.set(v, (seen.get(v) ?? 0) + 1);
  }
  let duplicated = 0;
  for (const n of seen.values()) duplicated += n - 1;
  return { duplicated, lost: values.filter((v) => !seen.has(v)).length };
}

const size = (path: string) => (existsSync(path) ? statSync(path).size : 0);

test(`source dir --checkpoint --max-records-per-batch, killed -9 at ${KILLS} random moments and restarted: 0 duplicates, 0 lost`, { timeout: 240_000 }, async (t) => {
  const dir = tempDir('sluice-batchpos-');
  mkdirSync(join(dir, 'in'));
  const { values, outBytes } = writeInputs(join(dir, 'in'), 6, 40_000);
  const command = 'sluice source dir in --checkpoint C --max-records-per-batch 1700 | sluice sink file out.ndjson --checkpoint C';
  const out = join(dir, 'out.ndjson');
  let killedMidway = 0;
  let seed = 17;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let k = 0; k < KILLS; k++) {
    // The pipeline runs until killed: wait for some progress (or none, at start-up), then SIGKILL the group.
    const before = size(out);
    const run = background(command, { cwd: dir, timeoutMs: 60_000 });
    const target = before + rnd() * (outBytes - before) * 0.9;
    await waitFor(() => size(out) >= target || size(out) >= outBytes, 60_000).catch(() => undefined);
    if (size(out) < outBytes) killedMidway++;
    run.signal('SIGKILL');
    await run.done;
  }
  const last = background(command, { cwd: dir, timeoutMs: 90_000 });
  // Wait for the sink to commit the whole output, not for the file to look whole: a killed
  // run's uncommitted tail stays in the file until the restarted sink truncates it, and
  // stopping the restart then would stop it before it has read that tail again.
  await waitFor(() => committedLength(join(dir, 'C', 'sink')) >= outBytes, 60_000).catch(() => undefined);
  last.signal('SIGTERM');
  const r = await last.done;
  const { duplicated, lost } = tally(readFileSync(out, 'utf8'), values);
  t.diagnostic(`source dir: ${values.length} lines, ${KILLS} kills (${killedMidway} midway), ${duplicated} duplicated, ${lost} lost`);
  assert.equal(duplicated, 0, `duplicates (${dir}; ${r.stderr})`);
  assert.equal(lost, 0, `lost (${dir}; ${r.stderr})`);
  assert.ok(killedMidway >= KILLS / 2, `most kills landed midway (${killedMidway} of ${KILLS})`);
});

test(`source file --checkpoint --max-records-per-batch, killed -9 at ${KILLS} random moments and restarted: 0 duplicates, 0 lost`, { timeout: 240_000 }, async (t) => {
  const dir = tempDir('sluice-batchpos-');
  const { values } = writeInputs(dir, 1, 240_000);
  const command = 'sluice source file f1.txt --checkpoint C --max-records-per-batch 1700 | sluice sink file out.ndjson --checkpoint C';
  const clean = await runPipeline(command, dir);
  assert.equal(clean.code, 0, clean.stderr);
  let killedMidway = 0;
  let duplicated = 0;
  let lost = 0;
  let seed = 29;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let k = 0; k < KILLS; k++) {
    const trial = tempDir('sluice-batchpos-');
    writeFileSync(join(trial, 'f1.txt'), readFileSync(join(dir, 'f1.txt')));
    const killed = await runPipeline(command, trial, 100 + rnd() * clean.ms * 0.8);
    if (killed.killed) killedMidway++;
    else assert.equal(killed.code, 0, killed.stderr);
    const r = await runPipeline(command, trial);
    assert.equal(r.code, 0, r.stderr);
    const found = tally(readFileSync(join(trial, 'out.ndjson'), 'utf8'), values);
    assert.deepEqual(found, { duplicated: 0, lost: 0 }, `trial ${k}: ${trial}`);
    duplicated += found.duplicated;
    lost += found.lost;
  }
  t.diagnostic(`source file: ${values.length} lines, ${KILLS} kills (${killedMidway} midway), ${duplicated} duplicated, ${lost} lost`);
  assert.ok(killedMidway >= KILLS / 2, `most kills landed midway (${killedMidway} of ${KILLS})`);
});

/**
 * Walks a source's output: at every batch boundary, the position of `key` must
 * name the byte just past the last record before it (per file, from the file's lines).
 */
function checkBoundaries(out: string, key: string, offsetOf: (pos: unknown) => { file: string; offset: number } | undefined, ends: Map<string, number>): number {
  let last: string | undefined;
  let checked = 0;
  for (const line of out.split('\n')) {
    if (line === '') continue;
    const rec = JSON.parse(line) as { value?: string; __sluice?: { type: string; positions?: Record<string, unknown> } };
    if (rec.__sluice?.type !== 'batch') {
      if (rec.value !== undefined) last = rec.value;
      continue;
    }
    if (last === undefined) continue;
    const at = offsetOf(rec.__sluice.positions?.[key]);
    assert.ok(at, `batch ${JSON.stringify(rec.__sluice)} carries a position for ${key}`);
    assert.equal(`${at.file}:${at.offset}`, `${last.split('-')[0]}.txt:${ends.get(last)}`, `batch after record ${last}`);
    checked++;
  }
  return checked;
}

/** The byte just past each value's line in its file. */
function lineEnds(values: string[]): Map<string, number> {
  const ends = new Map<string, number>();
  let file = '';
  let offset = 0;
  for (const v of values) {
    const f = v.split('-')[0]!;
    if (f !== file) [file, offset] = [f, 0];
    offset += v.length + 1;
    ends.set(v, offset);
  }
  return ends;
}

test('source dir --max-records-per-batch: every batch boundary carries the position just past its last record, also when cut inside a read', async () => {
  const dir = tempDir('sluice-batchpos-');
  mkdirSync(join(dir, 'in'));
  const { values } = writeInputs(join(dir, 'in'), 2, 30_000);
  const out = join(dir, 'out.ndjson');
  const run = background('sluice source dir in --max-records-per-batch 997 > out.ndjson', { cwd: dir, timeoutMs: 60_000 });
  await waitFor(() => existsSync(out) && readFileSync(out, 'utf8').includes(values.at(-1)!), 50_000);
  run.signal('SIGTERM');
  await run.done;
  const key = Object.keys((JSON.parse(readFileSync(out, 'utf8').split('\n').find((l) => l.includes('"positions"'))!) as { __sluice: { positions: object } }).__sluice.positions)[0]!;
  const offsetOf = (p: unknown) => {
    const d = p as { done: string[]; reading?: { file: string; offset: number } };
    // A boundary right after a file's last line may already count the file as done.
    return d.reading ?? (d.done.length > 0 ? { file: d.done.at(-1)!, offset: statSync(join(dir, 'in', d.done.at(-1)!)).size } : undefined);
  };
  const checked = checkBoundaries(readFileSync(out, 'utf8'), key, offsetOf, lineEnds(values));
  assert.ok(checked >= 55, `boundaries checked: ${checked}`);
});

test('source file --max-records-per-batch: every batch boundary carries the position just past its last record', async () => {
  const dir = tempDir('sluice-batchpos-');
  const { values } = writeInputs(dir, 1, 60_000);
  const run = await runPipeline('sluice source file f1.txt --max-records-per-batch 997 > out.ndjson', dir);
  assert.equal(run.code, 0, run.stderr);
  const offsetOf = (p: unknown) => ({ file: 'f1.txt', offset: (p as { offset: number }).offset });
  const checked = checkBoundaries(readFileSync(join(dir, 'out.ndjson'), 'utf8'), realpathSync(join(dir, 'f1.txt')), offsetOf, lineEnds(values));
  assert.ok(checked >= 60, `boundaries checked: ${checked}`);
});
