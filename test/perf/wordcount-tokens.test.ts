import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { records, sh, tempDir } from '../helpers/run.js';

// Word counts with the tokenisations people write, through the real bin: the
// planned flat map (fast/token-plan.ts) on undecoded bytes in a pipe and fused
// with the count lane under `sluice run`, against SLUICE_FAST=0 and against
// counting the expression's own results. The text is larger than one read, so
// lines are taken undecoded, and mixes ASCII lines with lines the plan must
// leave to the decoded path (non-ASCII letters whose lower case differs,
// Unicode white space, escapes).

const dir = tempDir('sluice-tokens-');
const file = join(dir, 'text.txt');
const words = ['The', 'the', 'THE', 'a', 'Zebra', 'İstanbul', 'ΑΣ', 'straße', 'x"y', 'back\\slash', '__proto__', 'ünï', '😀', 'tab', 'end.'];
const gaps = [' ', ' ', ' ', '  ', '\t', ' \t ', '\u00a0', '\u3000', ', '];
let seed = 7;
const next = (n: number) => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  // The high bits: an LCG's low bits repeat with a short period.
  return Math.floor((seed / 2 ** 31) * n);
};
const lines: string[] = [];
for (let i = 0; i < 12_000; i++) {
  const ascii = next(4) !== 0;
  const n = 1 + next(9);
  let line = next(10) === 0 ? ' ' : '';
  for (let w = 0; w < n; w++) {
    let word = words[next(words.length)]!;
    if (ascii) word = word.replace(/[^\x20-\x7e]/g, 'q');
    line += word + (w < n - 1 ? (ascii ? gaps[next(6)]! : gaps[next(gaps.length)]!) : '');
  }
  lines.push(line);
}
writeFileSync(file, lines.join('\n') + '\n');

const expressions = [
  'r.value.toLowerCase().split(/\\s+/).filter((w) => w !== "")',
  'r.value.toUpperCase().split(/[\\s,.]+/).filter(Boolean)',
  'r.value.split(" ")',
  'r.value.split(/\\t/).filter((w) => w.length > 0)',
];

/** Rows as "value count", sorted: windows differ between runs. */
function counts(stdout: string): string[] {
  return records(stdout)
    .map((r) => `${JSON.stringify(r['value'])} ${String(r['count'])}`)
    .sort();
}

function expected(expr: string): string[] {
  const fn = new Function('r', `return (${expr});`) as (r: unknown) => string[];
  const c = new Map<string, number>();
  for (const line of lines) for (const w of fn({ value: line })) c.set(w, (c.get(w) ?? 0) + 1);
  return [...c].map(([w, n]) => `${JSON.stringify(w)} ${n}`).sort();
}

for (const expr of expressions) {
  test(`word count with ${expr}: pipe and run, fast and general, equal the expression's own count`, { timeout: 120_000 }, async () => {
    const quoted = `'${expr.replace(/'/g, `'\\''`)}'`;
    const stages = [`source file ${file}`, `map --flat ${quoted}`, 'reduce-by-key value --count', 'sink'];
    const pipe = `${stages.map((s) => `sluice ${s}`).join(' | ')}`;
    const run = `sluice run ${`'${stages.join(' | ').replace(/'/g, `'\\''`)}'`}`;
    const want = expected(expr);
    for (const [command, fast] of [[pipe, '1'], [run, '1'], [pipe, '0']] as const) {
      const r = await sh(command, { env: { SLUICE_FAST: fast }, timeoutMs: 100_000 });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.deepEqual(counts(r.stdout), want, `${fast === '1' ? 'fast' : 'general'}: ${command}`);
    }
    // The map stage alone prints the same lines, in the same order, both ways.
    const map = `sluice source file ${file} | sluice map --flat ${quoted}`;
    const fastMap = await sh(map, { timeoutMs: 100_000 });
    const generalMap = await sh(map, { env: { SLUICE_FAST: '0' }, timeoutMs: 100_000 });
    assert.equal(fastMap.code, 0, fastMap.stderr);
    // Data lines only: the stream's token and its batch boundaries differ from run to run.
    const data = (out: string) => out.split('\n').filter((l) => !l.startsWith('{"__sluice"'));
    assert.deepEqual(data(fastMap.stdout), data(generalMap.stdout));
  });
}
