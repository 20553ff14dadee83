import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { records, sh, tempDir } from '../helpers/run.js';

const dir = tempDir('sluice-run-');
const text = join(dir, 'text.txt');
const data = join(dir, 'data.ndjson');
writeFileSync(text, ['a b a', 'c  b', '', '__proto__ constructor a', 'ünï cödé a'].join('\n') + '\n');
const rows: string[] = [];
for (let i = 0; i < 300; i++) rows.push(JSON.stringify({ g: ['x', 'y', '__proto__'][i % 3], n: i % 7 === 0 ? null : i, s: `s${i}` }));
writeFileSync(data, rows.join('\n') + '\n');

/** Output rows without the batch's window times (the two runs happen at different times), sorted. */
function canonical(stdout: string): string[] {
  return records(stdout)
    .map((r) => {
      const { window: _w, ...rest } = r;
      return JSON.stringify(rest);
    })
    .sort();
}

async function samePipeAndRun(stages: string[], input = '') {
  const pipe = await sh(stages.map((s, i) => `sluice ${s}${i === 0 ? input : ''}`).join(' | '));
  const quoted = `'${stages.join(' | ').replace(/'/g, `'\\''`)}'`;
  const run = await sh(`sluice run ${quoted}${input}`);
  assert.equal(pipe.code, 0, pipe.stderr);
  assert.equal(run.code, 0, run.stderr);
  const expected = canonical(pipe.stdout);
  assert.ok(expected.length > 0, 'the pipeline produced rows');
  assert.deepEqual(canonical(run.stdout), expected);
  return { pipe, run };
}

test('run: word count gives the same rows as the pipe', async () => {
  const { run } = await samePipeAndRun([`source file ${text}`, `map --flat 'r.value.split(" ").filter(Boolean)'`, 'reduce-by-key value --count', 'sink']);
  assert.ok(run.stdout.includes('"value":"__proto__","count":1}'));
});

test('run: filter and map over stdin', async () => {
  const { run } = await samePipeAndRun([`filter 'r.n !== null && r.n % 3 === 0'`, `map '({n: r.n * 2, s: r.s.toUpperCase(), g: r.g})'`], ` < ${data}`);
  assert.equal(records(run.stdout)[0]!['n'], 6);
});

test('run: reduce-by-key with several aggregates', async () => {
  await samePipeAndRun(
    [`source file ${data} --format json`, 'reduce-by-key g --count --sum n --min n --max n --avg n --first s --last s --collect n', 'sink'],
  );
});

test('run: a sluice run stage in a pipe with a sink console', async () => {
  const r = await sh(`sluice run 'source file ${text} | map --flat "r.value.split(\\" \\")" | reduce-by-key value --count | sink console'`);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^-+\nBatch: 0\n/);
  assert.match(r.stdout, /\| +a\| +4\|/);
});

test('run: bad records follow each stage\'s own --on-error', async () => {
  const stages = [`source file ${data} --format json`, `map --on-error skip 'r.n.toFixed(0) && r'`, 'reduce-by-key g --count', 'sink'];
  const { pipe, run } = await samePipeAndRun(stages);
  assert.match(run.stderr, /sluice map: 43 bad records skipped/);
  assert.match(pipe.stderr, /sluice map: 43 bad records skipped/);
});

test('run: usage errors name the stage and exit 2', async () => {
  for (const [pipeline, message] of [
    ['map r | source file x', /'source' can only be the first stage/],
    ['sink | map r', /'sink' can only be the last stage/],
    ['map --bogus r', /stage 1 \(map\): Unknown argument: bogus/],
    ['reduce-by-key word', /stage 1 \(reduce-by-key\): give at least one aggregate/],
    ['completion bash', /not a stage command/],
    ["map 'r", /unterminated '/],
  ] as const) {
    const r = await sh(`sluice run "${pipeline}" < /dev/null`);
    assert.equal(r.code, 2, `${pipeline}: ${r.stderr}`);
    assert.match(r.stderr, message, pipeline);
  }
});

test('run: a stage that stops the run names itself after `sluice run`, with the input and line', async () => {
  const bad = join(dir, 'bad.ndjson');
  writeFileSync(bad, '{"a":1}\n{"a":"x"}\nnot json\n');
  const map = await sh(`sluice run "source file ${bad} --format json | map '({b: r.a.toFixed(1)})' | sink"`);
  assert.equal(map.code, 1);
  assert.match(map.stderr, /^sluice run: map: \S*bad\.ndjson:2: expression '\(\{b: r\.a\.toFixed\(1\)\}\)' threw: r\.a\.toFixed is not a function \(line: \{"a":"x"\}\)$/m);
  const source = await sh(`sluice run "source file ${bad} --format json | filter 'true' | sink"`);
  assert.equal(source.code, 1);
  assert.match(source.stderr, /^sluice run: source: \S*bad\.ndjson:3: invalid JSON/m);
  const stdin = await sh(`sluice run "filter 'true' | map 'r.a.toFixed(1)'" < ${bad}`);
  assert.equal(stdin.code, 1);
  assert.match(stdin.stderr, /^sluice run: map: stdin:2: expression/m);
});
