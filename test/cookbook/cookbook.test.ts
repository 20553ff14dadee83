import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, sh, tempDir } from '../helpers/run.js';
import { parseCookbook, type Recipe } from './recipes.js';
import { testNeeding } from '../helpers/tools.js';

const DATA = join(repoRoot, 'docs', 'cookbook-data');
const EXPECTED = join(DATA, 'expected');
const { setup, recipes } = parseCookbook(readFileSync(join(repoRoot, 'docs', 'COOKBOOK.md'), 'utf8'));

/** What happens between runs, for recipes that are about time passing. */
const BETWEEN_RUNS: Record<string, string> = {
  // cron runs it again after the log has grown
  'hourly-cron': 'cat access-later.log >> access.log',
};

/** Output that depends on when the test runs, made comparable. */
const NORMALISE: Record<string, (text: string) => string> = {
  // the window of a processing-time batch is the time of the run
  'hourly-cron': (text) => text.replace(/"window":\{"start":"[^"]+","end":"[^"]+"\}/g, '"window":{"start":"RUN START","end":"RUN END"}'),
};

async function runRecipe(r: Recipe): Promise<string> {
  const dir = tempDir(`sluice-cookbook-${r.name}-`);
  cpSync(DATA, dir, { recursive: true });
  const steps = BETWEEN_RUNS[r.name] === undefined ? [r.script] : [r.script, BETWEEN_RUNS[r.name]!, r.script];
  let stdout = '';
  for (const step of steps) {
    const result = await sh(`${setup}\n${step}`, { cwd: dir, timeoutMs: 60_000 });
    assert.equal(result.code, 0, `recipe ${r.name} failed:\n${result.stderr}`);
    assert.equal(result.stderr, '', `recipe ${r.name} wrote to stderr`);
    stdout += result.stdout;
  }
  const output = r.output ? readFileSync(join(dir, r.output), 'utf8') : stdout;
  return (NORMALISE[r.name] ?? ((t: string) => t))(output);
}

test('the cookbook has its recipes, and each has an expected output (or says why it is pending)', () => {
  assert.ok(setup.includes('PARSE='));
  const names = recipes.map((r) => r.name);
  assert.deepEqual(names, ['status-per-minute', 'top-urls', 'sessions', 'error-alert', 'hourly-cron', 'kafka-wordcount']);
  for (const r of recipes) {
    if (r.pending !== undefined) continue;
    assert.ok(existsSync(join(EXPECTED, `${r.name}.out`)), `docs/cookbook-data/expected/${r.name}.out is missing (UPDATE_COOKBOOK=1 writes it)`);
  }
  // No expected file without a recipe: a renamed recipe must not leave its old output behind.
  for (const f of readdirSync(EXPECTED)) assert.ok(names.includes(f.replace(/\.out$/, '')), `stale ${f}`);
});

for (const r of recipes.filter((x) => x.pending === undefined)) {
  testNeeding(['jq'], `cookbook recipe ${r.name} gives the documented output (UPDATE_COOKBOOK=1 rewrites it)`, {}, async () => {
    const actual = await runRecipe(r);
    const path = join(EXPECTED, `${r.name}.out`);
    if (process.env['UPDATE_COOKBOOK'] === '1') writeFileSync(path, actual);
    assert.ok(actual.trim() !== '', `recipe ${r.name} printed nothing`);
    assert.equal(actual, readFileSync(path, 'utf8'));
  });
}

for (const r of recipes.filter((x) => x.pending !== undefined)) {
  test(`cookbook recipe ${r.name} is pending: ${r.pending}`, (t) => {
    // Reported, not run and not faked: its commands must at least be valid sluice usage.
    t.diagnostic(`PENDING recipe ${r.name}: ${r.pending}`);
    assert.match(r.script, /sluice /);
  });
}
