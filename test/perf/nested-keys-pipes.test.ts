import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, sh, tempDir } from '../helpers/run.js';
import { boundedStream } from '../helpers/stream.js';
import { steady } from '../helpers/fast-differential.js';
import { shellQuote } from '../helpers/tmux.js';
import { rng } from '../window/events.js';

// The real bin over real pipes: reduce-by-key with a nested key field
// (`customer.tier`, alone or beside a top-level one) and nested aggregate
// fields, on shop orders whose `customer` is now and then missing, not an
// object, or holds a tier that is no string or a score that is no number,
// fed through a writer that cuts the stream anywhere, alone, with
// --parallel and under `sluice run` after a window: the same output, the
// same diagnostics and exit status as SLUICE_FAST=0 reading the whole file.
//
//   SLUICE_DIFF_CASES=N scales the number of cases; SLUICE_DIFF_SEED=S replays one.

const rechunk = shellQuote(join(repoRoot, 'dist', 'test', 'differential', 'rechunk.js'));

function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)]!;
}

const TIERS = ['"gold"', '"none"', '"sïlver"', '"a\\"b"'];
const ODD_TIERS = ['1', '-0', '1.50', 'null', 'true', '{"x":1}', '[]', '"\\u0067old"'];
const ODD_CUSTOMERS = ['"gold"', 'null', '7', '["gold"]', '{}', '{"tier":"none","tier":"gold"}', '{"id": 1, "tier": "gold"}'];

/** One order line: mostly as the bench writes them, sometimes with a customer or a value as it should not be, or not JSON. */
function orderLine(r: () => number, i: number): string {
  const roll = r();
  if (roll < 0.004) return pick(r, ['not json', '{"qty":1', '[1,2]', '']);
  const tier = roll < 0.03 ? pick(r, ODD_TIERS) : pick(r, TIERS);
  const score = roll > 0.99 ? pick(r, ['"7"', 'false', '1e400']) : roll > 0.95 ? 'null' : String(Math.floor(r() * 100));
  const customer = roll > 0.03 && roll < 0.05 ? pick(r, ODD_CUSTOMERS) : r() < 0.1 ? `{"tier":${tier},"id":${i}}` : `{"id":${Math.floor(r() * 500)},"tier":${tier},"score":${score}}`;
  const time = `2026-01-01T00:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.5Z`;
  const members = [`"time":"${time}"`, `"order":"o-${i}"`, `"customer":${customer}`, `"price":${Math.floor(r() * 10000) / 100}`, `"region":"${pick(r, ['eu-west', 'us-east', 'ap-south'])}"`, `"note":"${pick(r, ['für Oma', 'call', 'said \\"twice\\"'])}"`];
  if (roll > 0.05 && roll < 0.07) members.splice(2, 1);
  return `{${members.join(',')}}`;
}

const replay = process.env['SLUICE_DIFF_SEED'];
// run-tests sets 12 in the fast tier, 60 in the full one.
const cases = replay !== undefined ? 1 : Math.max(2, Math.round(Number(process.env['SLUICE_DIFF_CASES'] ?? 12) / 4));
const base = replay !== undefined ? Number(replay) : Math.floor(Math.random() * 1e9);


test(`reduce-by-key with nested fields through a re-chunking pipe prints what SLUICE_FAST=0 prints (${cases} cases from seed ${base})`, { timeout: cases * 120_000 }, async () => {
  for (let c = 0; c < cases; c++) {
    const seed = base + c;
    const r = rng(seed);
    const dir = tempDir('sluice-nested-keys-');
    try {
      const lines = Array.from({ length: 800 + Math.floor(r() * 1500) }, (_, i) => orderLine(r, i));
      writeFileSync(join(dir, 'in.ndjson'), lines.join('\n') + '\n');
      writeFileSync(join(dir, 'stream.ndjson'), boundedStream(lines, 300));
      const onError = pick(r, ['', '--on-error skip', '--on-error skip']);
      const reduces = [
        `reduce-by-key customer.tier --count --sum price --max customer.score ${onError}`,
        `reduce-by-key customer.tier region --count --avg customer.score ${onError}`,
        `reduce-by-key region customer.tier --count --sum customer.score --parallel 2 ${onError}`,
      ];
      const hint = (command: string) => `replay: SLUICE_DIFF_SEED=${seed} node scripts/run-tests.mjs perf/nested-keys-pipes (${dir}: ${command})`;
      const compare = async (fastCommand: string, generalCommand: string) => {
        const fast = await sh(fastCommand, { cwd: dir, env: { SLUICE_FAST: '1' }, timeoutMs: 60_000 });
        const general = await sh(generalCommand, { cwd: dir, env: { SLUICE_FAST: '0' }, timeoutMs: 60_000 });
        assert.ok(fast.stdout.includes('"customer.tier":"gold"') || fast.code !== 0, hint(fastCommand));
        assert.deepEqual([fast.code, steady(fast.stdout), fast.stderr], [general.code, steady(general.stdout), general.stderr], hint(fastCommand));
      };
      // Against one thread: SLUICE_FAST=0 routes --parallel's records by key, whose workers report in their own order.
      for (const reduce of reduces) await compare(`node ${rechunk} ${seed} < stream.ndjson | sluice ${reduce}`, `sluice ${reduce.replace(' --parallel 2', '')} < stream.ndjson`);
      const run = `sluice run 'source file in.ndjson --format json --on-error skip | window 1m --time-field time | reduce-by-key customer.tier --count --sum customer.score ${onError} | sink'`;
      await compare(run, run);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});
