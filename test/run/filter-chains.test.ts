import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot, sh, tempDir, type RunResult } from '../helpers/run.js';
import { shellQuote } from '../helpers/tmux.js';
import { rng } from '../window/events.js';

// Consecutive filters under `sluice run` (2 to 4), which the first one folds
// into its whole-read path (src/engine/fast/fields-read.ts KeepsByFields),
// against the pipe of separate `sluice filter` processes over real pipes:
// random expressions over random flat and nested records, some throwing for
// some records, some changing their record (a field no other expression
// reads, so that the pipe and the run agree), bad lines, each stage with or
// without --on-error skip, the input as a file or torn into small reads.
// The run prints exactly what it prints with SLUICE_FAST=0 (stdout, stderr,
// exit status), and what the pipe prints: the same stdout and exit status,
// the same diagnostics but for where they say they are (`sluice run` and a
// line of the run's input against `sluice filter` and a line of that
// stage's input), the same total of bad records skipped.
//
//   SLUICE_DIFF_CASES=N scales the number of cases; SLUICE_DIFF_SEED=S replays one.

const rechunk = shellQuote(join(repoRoot, 'dist', 'test', 'differential', 'rechunk.js'));

function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)]!;
}

const BAD_LINES = ['not json', '{"status":1', '[1,2]', '', '7', '{"status":404,"path":"/p/1"}\r', '{"status":500,"path":"/p/1","path":"/p/2"}', '{"__sluice":{"v":2,"type":"eos"}}'];

/** One record line: mostly in one layout, as a log has them; now and then a field missing, of another type, nested deeper, members in another order, or not JSON at all. */
function recordLine(r: () => number, i: number): string {
  const roll = r();
  if (roll < 0.02) return pick(r, BAD_LINES);
  const odd = () => r() < 0.03;
  const members: [string, string][] = [
    ['ts', `"2026-01-01T00:00:${String(i % 60).padStart(2, '0')}Z"`],
    ['user', `"u${Math.floor(r() * 8)}"`],
    ['path', odd() ? pick(r, ['null', '7', '"/p/1é"', '"/q/ü"']) : `"/p/${Math.floor(r() * 30)}"`],
    ['status', odd() ? pick(r, ['"500"', 'null', '404.0', '-0']) : pick(r, ['200', '301', '404', '500'])],
    ['bytes', odd() ? pick(r, ['1.5', '"7"', '1e400']) : String(Math.floor(r() * 2000))],
    ['b', odd() ? pick(r, ['null', '{"c":{"d":1}}', '[]', '"c"']) : `{"c":${Math.floor(r() * 10)}}`],
    ['tags', odd() ? pick(r, ['null', '"a"', '[]']) : pick(r, ['["a","b"]', '["x"]', '["a","b","c"]'])],
    ['m', String(Math.floor(r() * 3))],
  ];
  const kept = members.filter(() => r() > 0.02);
  if (r() < 0.1) kept.reverse();
  return `{${kept.map(([k, v]) => `"${k}":${v}`).join(',')}}`;
}

/** Expressions that read fields only (some throw for a record without the field, or with another type). */
const READING = [
  'r.status >= 400 && r.path.startsWith("/p/1")',
  'r.bytes > 100',
  'r.status > 0',
  'r.b.c % 2 === 0',
  'r.tags.length > 1',
  'r.path.includes("é") || r.bytes < 50',
  'typeof r.status === "number"',
  '!r.missing',
  'r.user !== "u3"',
  'Number(r.b?.c) > 3',
  '`${r.path}`.length > 4',
  '/^\\/p\\/[0-5]/.test(r.path)',
  'r.tags.includes("b") ? r.bytes % 2 === 0 : r.status !== 301',
];
/** Expressions that change their record, a field no other one reads; and one that reads the whole record. */
const CHANGING = ['(r.m = 0) || r.status !== 404', 'delete r.m && r.bytes !== 7', '(r.m++, r.bytes % 3 !== 0)', 'JSON.stringify(r).includes("/p/1")', '"tags" in r'];

interface Stage {
  expr: string;
  onError: string;
}

function chain(r: () => number): Stage[] {
  return Array.from({ length: 2 + Math.floor(r() * 3) }, () => ({
    expr: r() < 0.2 ? pick(r, CHANGING) : pick(r, READING),
    onError: r() < 0.35 ? '' : '--on-error skip',
  }));
}

const stageWords = (s: Stage) => `filter ${shellQuote(s.expr)}${s.onError ? ` ${s.onError}` : ''}`;

const WHERE = /^sluice (run: filter|run|filter): (stdin:(\d+:)? )?/;
const SKIPPED = /^(\d+) bad records? skipped$/;
const FORGED = /^(\d+) (data lines? shaped like control records (was|were) read)/;

/** A diagnostic without where it says it is, and the total of bad records the summaries say were skipped. */
function diagnostics(stderr: string): { lines: string[]; skipped: number; forged: number } {
  const lines: string[] = [];
  let skipped = 0;
  let forged = 0;
  for (const line of stderr.split('\n')) {
    // Only what sluice says: not a line from the machine's shell set-up.
    if (!line.startsWith('sluice ')) continue;
    // A line shaped like a control record goes down a pipe with a space before it (the writer's escape), and the next stage quotes it so.
    const what = line.replace(WHERE, '').replace('(line:  {"__sluice"', '(line: {"__sluice"');
    const summary = SKIPPED.exec(what);
    // The lines shaped like control records are counted at the end: a stage that fails stops counting (compared without the count).
    const controls = FORGED.exec(what);
    if (controls) forged += Number(controls[1]);
    if (summary) skipped += Number(summary[1]);
    else lines.push(what.replace(FORGED, 'data lines shaped like control records were read'));
  }
  return { lines: lines.sort(), skipped, forged };
}

const suppressed = (stderr: string) => stderr.includes('further warnings suppressed');

/** Whether each of `part` is in `whole` (as many times). */
function within(part: string[], whole: string[]): boolean {
  const left = [...whole];
  for (const p of part) {
    const at = left.indexOf(p);
    if (at < 0) return false;
    left.splice(at, 1);
  }
  return true;
}

const replay = process.env['SLUICE_DIFF_SEED'];
// run-tests sets 12 in the fast tier, 60 in the full one.
const cases = replay !== undefined ? 1 : Math.max(3, Math.round(Number(process.env['SLUICE_DIFF_CASES'] ?? 12) / 2));
const base = replay !== undefined ? Number(replay) : Math.floor(Math.random() * 1e9);

test(`sluice run of 2-4 filters prints what the pipe of sluice filter processes prints, and what SLUICE_FAST=0 prints (${cases} cases from seed ${base})`, { timeout: cases * 60_000 }, async () => {
  let folded = 0;
  for (let c = 0; c < cases; c++) {
    const seed = base + c;
    const r = rng(seed);
    const dir = tempDir('sluice-filter-chains-');
    try {
      const count = r() < 0.3 ? 3000 + Math.floor(r() * 3000) : 20 + Math.floor(r() * 230);
      writeFileSync(join(dir, 'in.ndjson'), Array.from({ length: count }, (_, i) => recordLine(r, i)).join('\n') + (r() < 0.9 ? '\n' : ''));
      const stages = chain(r);
      const feed = r() < 0.5 ? '< in.ndjson' : `< in.ndjson node ${rechunk} ${seed} |`;
      const pipeline = stages.map(stageWords).join(' | ');
      const run = feed.endsWith('|') ? `${feed} sluice run ${shellQuote(pipeline)}` : `sluice run ${shellQuote(pipeline)} ${feed}`;
      const pipe = stages.map((s, i) => `sluice ${stageWords(s)}${i === 0 ? ' < in.ndjson' : ''}`).join(' | ');
      const hint = `replay: SLUICE_DIFF_SEED=${seed} node scripts/run-tests.mjs run/filter-chains (${dir}: ${run})`;
      const [fast, general, piped] = await Promise.all([
        sh(run, { cwd: dir, env: { SLUICE_FAST: '1' }, timeoutMs: 60_000 }),
        sh(run, { cwd: dir, env: { SLUICE_FAST: '0' }, timeoutMs: 60_000 }),
        sh(pipe, { cwd: dir, env: { SLUICE_FAST: '0' }, timeoutMs: 60_000 }),
      ]);
      const exact = (x: RunResult) => [x.code, x.stdout, x.stderr];
      assert.deepEqual(exact(fast), exact(general), hint);
      assert.equal(fast.code, piped.code, `${hint}\nrun: ${fast.stderr}\npipe: ${piped.stderr}`);
      assert.equal(fast.stdout, piped.stdout, hint);
      const ran = diagnostics(fast.stderr);
      const seen = diagnostics(piped.stderr);
      if (suppressed(fast.stderr) || suppressed(piped.stderr)) {
        // After 20 bad records a stage says no more. Under run the input's bad lines are the reader's (`sluice run:`),
        // counted apart from the first stage's own, so the two stop at different lines: only the totals agree.
        if (stages.every((s) => s.onError !== '')) assert.equal(ran.skipped, seen.skipped, hint);
      } else if (stages.every((s) => s.onError !== '')) {
        assert.deepEqual(ran, seen, `${hint}\nrun: ${fast.stderr}\npipe: ${piped.stderr}`);
      } else {
        // A stage that fails stops the run at once; in the pipe, the stages before it may report a bad record of theirs before they see the pipe closed.
        assert.ok(within(ran.lines, seen.lines), `${hint}\nrun: ${fast.stderr}\npipe: ${piped.stderr}`);
        if (fast.code === 0) assert.deepEqual(ran, seen, hint);
      }
      if (stages.slice(0, -1).every((s) => READING.includes(s.expr)) && READING.includes(stages.at(-1)!.expr)) folded++;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(`# filter chains: ${cases} cases, ${folded} of them foldable whole`);
});
