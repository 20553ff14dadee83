// Issue 11.14: `sluice run` hands each stage exactly what the pipe would.
// Differential: random records holding the values JSON text changes
// (Infinity, NaN, -0, undefined, Date, toJSON, Map) or cannot hold (BigInt),
// produced by one map and looked at by the next, as a pipe of processes and
// as one `sluice run`: the same output and the same exit status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sh, tempDir } from '../helpers/run.js';

const VALUES = ['1/0', '-1/0', '0/0', 'undefined', 'new Date(0)', '-0', '"s"', '[1, undefined, 0/0]', '{x: undefined, y: 1/0, z: new Date(86400000)}', 'null', 'true', 'r.i * 1.5', 'new Map([[1, 2]])', '({toJSON() { return "j" }})', '[[[-0]]]'];
const UNSERIALISABLE = ['1n', '{deep: 2n}'];

/** Shows what the stage received, telling apart what JSON text would have changed. */
const REVEAL =
  '({seen: JSON.stringify(r, function (k, v) { const o = this[k]; if (o instanceof Date) return "DATE"; if (o === undefined) return "UNDEF"; if (typeof o === "number" && !Number.isFinite(o)) return "NONFINITE"; if (Object.is(o, -0)) return "NEGZERO"; if (o instanceof Map) return "MAP"; return v; })})';

function seeded(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

test('map results reach the next stage as the pipe would give them: sluice run equals the pipe (11.14)', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'in.ndjson'), [0, 1, 2, 3].map((i) => JSON.stringify({ i })).join('\n') + '\n');
  const seed = Number(process.env['SLUICE_SEED'] ?? 11);
  const rnd = seeded(seed);
  const pick = (list: string[]) => list[Math.floor(rnd() * list.length)]!;
  for (let trial = 0; trial < 10; trial++) {
    const fields = Array.from({ length: 1 + Math.floor(rnd() * 4) }, (_, k) => `f${k}: ${rnd() < 0.1 ? pick(UNSERIALISABLE) : pick(VALUES)}`);
    // A BigInt only in the third record: the records before it come through in both.
    const gen = `r.i === 2 || ${trial % 3 !== 0} ? ({${fields.join(', ')}}) : ({i: r.i})`;
    const env = { GEN: gen, REVEAL, PIPELINE: `source file in.ndjson --format json | map '${gen}' | map '${REVEAL}' | sink` };
    const pipe = await sh(`sluice source file in.ndjson --format json | sluice map "$GEN" | sluice map "$REVEAL" | sluice sink; echo "status=$?"`, { cwd: dir, env });
    const run = await sh(`sluice run "$PIPELINE"; echo "status=$?"`, { cwd: dir, env });
    const what = `seed ${seed} trial ${trial}: ${gen}\npipe stderr: ${pipe.stderr}\nrun stderr: ${run.stderr}`;
    assert.equal(run.stdout, pipe.stdout, what);
    if (/\dn/.test(fields.join())) assert.match(pipe.stdout, /status=1/, what);
    else assert.match(pipe.stdout, /status=0/, what);
    assert.doesNotMatch(pipe.stdout, /NONFINITE|UNDEF|DATE|NEGZERO|MAP/, what);
  }
});

test('a record that cannot be serialised stops sluice run with exit 1, as the pipe does (11.14)', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'in.ndjson'), '{"n":1}\n{"n":2}\n');
  const r = await sh(`sluice run 'source file in.ndjson --format json | map "r.n === 2 ? {big: 2n} : r" | sink'; echo "status=$?"`, { cwd: dir });
  assert.match(r.stdout, /^\{"n":1\}\nstatus=1\n$/);
  assert.match(r.stderr, /cannot serialise output record: Do not know how to serialize a BigInt/);
});
