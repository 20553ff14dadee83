import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { jsonLine } from '../helpers/json-text.js';
import { sh, tempDir } from '../helpers/run.js';

// `sluice map '({...r, k: e})'` splices the added fields into canonical input
// lines (src/engine/fast/map-splice.ts). The real bin on random NDJSON (nested
// values, every escape form, odd numbers, integer-like, duplicate and
// __proto__ keys at every level, keys the map adds) prints exactly
// JSON.stringify({...JSON.parse(line), k: e}), and exactly what it prints with
// SLUICE_FAST=0, diagnostics included.

const expressions = [
  '({...r, total: r.a * 2})',
  '({...r, kb: r.b?.c ?? null, ok: typeof r["x y"]})',
  '({...r, a: 1})',
  '({...r, "\\n": r["a\\"b"], p: r.__proto__, q: r.c?.__proto__})',
  '({...r, n: Array.isArray(r.c) ? r.c.length : r.c, e: r["é"], f: r["😀"]})',
  '({...r, s: String(r.total).slice(0, 3), big: r.b > 100, u: undefined})',
  // Keys the line may have: replaced in place, or left out (undefined).
  '({...r, a: r.a === undefined ? 1 : undefined, b: typeof r.b, total: r.total})',
  '({...r, kb: undefined, c: Array.isArray(r.c) ? r.c.length : [r.c], "x y": r.a})',
];

/** What the map prints for the text, as the general path defines it. */
function expected(text: string, expr: string): string {
  const fn = new Function('r', `return ${expr}`) as (r: unknown) => unknown;
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
      out.push(JSON.stringify(fn(record)));
    } catch {
      // A bad line or a throwing expression: skipped with a warning.
    }
  }
  return out.map((l) => `${l}\n`).join('');
}

const dir = tempDir('sluice-map-splice-');

/**
 * The first read of a stage goes through the stage runner line by line (it
 * decides whether its input is a sluice stream); later reads are taken
 * undecoded (fast/splice-lines.ts). 80 KB of lines before the lines tested
 * put them in later reads, cut anywhere.
 */
const FILLER = Array.from({ length: 800 }, (_, i) => `{"a":${i},"b":"${'x'.repeat(80)}","c":[${i}]}`);

async function map(file: string, expr: string, fast: '0' | '1', options = '') {
  const r = await sh(`sluice map --on-error skip ${options} '${expr.replace(/'/g, `'\\''`)}' < ${file}`, { env: { SLUICE_FAST: fast }, timeoutMs: 60_000 });
  return { code: r.code, stdout: r.stdout, stderr: r.stderr };
}

test('map with spread: the real bin prints JSON.stringify({...JSON.parse(line), ...}), as with SLUICE_FAST=0', { timeout: 600_000 }, async () => {
  let n = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(jsonLine, { minLength: 50, maxLength: 400 }), fc.constantFrom(...expressions), fc.boolean(), async (lines, expr, sorted) => {
      // Sorted: a run of lines that are not canonical first (the splice stops checking them), then canonical ones.
      if (sorted) lines.sort((a, b) => Number(a.includes(' ')) - Number(b.includes(' '))).reverse();
      const file = join(dir, `in-${n++}.ndjson`);
      writeFileSync(file, [...FILLER, ...lines].join('\n') + '\n');
      const fast = await map(file, expr, '1');
      assert.equal(fast.stdout, expected(readFileSync(file, 'utf8'), expr), expr);
      assert.deepEqual(fast, await map(file, expr, '0'), expr);
    }),
    { numRuns: 12, endOnFailure: true },
  );
});

test('map with spread: lines nested deeper than --max-depth or longer than --max-line-bytes are the same bad records with and without the splice', { timeout: 120_000 }, async () => {
  const long = `{"a":"${'y'.repeat(300)}","b":7}`;
  // A line the undecoded path leaves to the general one ends its take: the long line comes first.
  const lines = [long, '{"a":{"b":{"c":1}},"b":2}', '{"a":[[1]],"b":3}', '{"a":{"b":[]},"b":4}', '{"a":[{}],"b":5}', '{"a":1,"b":{"c":{"d":{}}}}', '{"a":"x","b":6}', '{"b":8}'];
  const file = join(dir, 'deep.ndjson');
  writeFileSync(file, [...FILLER, ...lines].join('\n') + '\n');
  const expr = '({...r, total: r.b + 1})';
  const options = '--max-depth 3 --max-line-bytes 250';
  const fast = await map(file, expr, '1', options);
  const kept = [...FILLER, ...lines].filter((l) => !l.includes('"d"') && l !== long);
  assert.equal(fast.stdout, expected(kept.join('\n'), expr));
  assert.match(fast.stderr, new RegExp(`:${FILLER.length + 1}: .*250`));
  assert.match(fast.stderr, new RegExp(`:${FILLER.length + 6}: nesting deeper than 3 levels`));
  assert.deepEqual(fast, await map(file, expr, '0', options));
});

test('map with spread: a line whose first member goes, leaving one that would read as a control record, goes out escaped, as without the splice', { timeout: 120_000 }, async () => {
  const lines = ['{"x":1,"b":2}', '{"x":1,"__sluice":2}', '{"x":3,"b":3}'];
  const file = join(dir, 'control-first.ndjson');
  writeFileSync(file, [...FILLER, ...lines].join('\n') + '\n');
  const expr = '({...r, x: undefined, a: r.x})';
  const fast = await map(file, expr, '1');
  assert.ok(fast.stdout.endsWith('{"b":2,"a":1}\n {"__sluice":2,"a":1}\n{"b":3,"a":3}\n'), fast.stdout.slice(-100));
  assert.deepEqual(fast, await map(file, expr, '0'));
});

test('map with spread: a line whose mapped record would read as a control record goes out escaped, as without the splice', { timeout: 120_000 }, async () => {
  const lines = ['{"a":1,"b":2}', '{"\\u005f_sluice":1,"b":2}', '{"b":3}'];
  const file = join(dir, 'control.ndjson');
  writeFileSync(file, [...FILLER, ...lines].join('\n') + '\n');
  const expr = '({...r, total: r.b + 1})';
  const fast = await map(file, expr, '1');
  assert.equal(fast.stdout, expected([...FILLER, '{"a":1,"b":2}'].join('\n'), expr) + ' {"__sluice":1,"b":2,"total":3}\n{"b":3,"total":4}\n');
  assert.deepEqual(fast, await map(file, expr, '0'));
});
