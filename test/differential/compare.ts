// Running a generated case through the real bin and comparing with the model.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runModel } from '../model/model.js';
import { repoRoot, type RunResult } from '../helpers/run.js';
import { shellQuote } from '../helpers/tmux.js';
import type { Case } from './generate.js';

const rechunk = join(repoRoot, 'dist', 'test', 'differential', 'rechunk.js');

const word = (w: string) => (/^[\w.,:/=@%+-]+$/.test(w) ? w : shellQuote(w));
const stageText = (argv: string[]) => argv.map(word).join(' ');

/** The case as separate processes joined by real pipes (with re-chunkers where the case asks). */
export function pipeCommand(c: Case): string {
  const parts: string[] = [];
  c.stages.forEach((s, i) => {
    parts.push(`sluice ${stageText(s.argv)}`);
    if (c.rechunkAfter.includes(i)) parts.push(`node ${shellQuote(rechunk)} ${c.seed + i}`);
  });
  return parts.join(' | ');
}

/** The case as one `sluice run` process. */
export function runCommand(c: Case): string {
  return `sluice run ${shellQuote(c.stages.map((s) => stageText(s.argv)).join(' | '))}`;
}

/** JSON text with object keys sorted (own `__proto__` keys included), so equal records compare equal. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The rows a run wrote, made comparable: a wall-clock `window` left out where the model has none. */
export function actualRows(c: Case, stdout: string): string[] {
  const lines = stdout.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => {
    const r = JSON.parse(l) as unknown;
    if (c.wallClockWindow && r !== null && typeof r === 'object' && Object.hasOwn(r, 'window')) delete (r as Record<string, unknown>)['window'];
    return canonical(r);
  });
}

export function expectedRows(c: Case): string[] {
  return runModel(
    c.source,
    c.stages.flatMap((s) => (s.model ? [s.model] : [])),
  ).output.map(canonical);
}

/** Fails with the seed, the replay command, both pipelines and the first difference. */
export function assertSameRows(c: Case, how: string, result: RunResult, expected: string[]): void {
  const context = () =>
    [
      `differential case failed (${how}); replay: SLUICE_DIFF_SEED=${c.seed} node scripts/run-tests.mjs differential`,
      `pipe: ${pipeCommand(c)}`,
      `run:  ${runCommand(c)}`,
      `input (${c.file.name}, JSON-quoted lines):`,
      ...c.file.text.split('\n').slice(0, 100).map((l) => '  ' + JSON.stringify(l)),
      `stderr:\n${result.stderr}`,
    ].join('\n');
  assert.equal(result.code, 0, `exit status ${result.code}\n${context()}`);
  let actual: string[];
  try {
    actual = actualRows(c, result.stdout);
  } catch (err) {
    assert.fail(`output is not NDJSON: ${(err as Error).message}\n${context()}`);
  }
  const order = (rows: string[]) => (c.ordered ? rows : [...rows].sort());
  const a = order(actual);
  const e = order(expected);
  if (JSON.stringify(a) === JSON.stringify(e)) return;
  const missing = multisetMinus(e, a);
  const extra = multisetMinus(a, e);
  assert.fail(
    [
      `${how}: output differs from the model (${a.length} rows, model ${e.length}; ${c.ordered ? 'ordered' : 'as multisets'})`,
      `in the model only (${missing.length}):`,
      ...missing.slice(0, 15).map((x) => '  ' + x),
      `in the output only (${extra.length}):`,
      ...extra.slice(0, 15).map((x) => '  ' + x),
      ...(missing.length + extra.length === 0 ? ['(same rows, different order)', 'output:', ...a.slice(0, 40).map((x) => '  ' + x), 'model:', ...e.slice(0, 40).map((x) => '  ' + x)] : []),
      context(),
    ].join('\n'),
  );
}

export function multisetMinus(a: string[], b: string[]): string[] {
  const counts = new Map<string, number>();
  for (const x of b) counts.set(x, (counts.get(x) ?? 0) + 1);
  return a.filter((x) => {
    const n = counts.get(x) ?? 0;
    if (n === 0) return true;
    counts.set(x, n - 1);
    return false;
  });
}
