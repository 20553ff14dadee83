import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, sh, tempDir } from '../helpers/run.js';
import { shellQuote } from '../helpers/tmux.js';
import { rng } from '../window/events.js';

// `sluice filter` on records like a shop's orders (nested objects, arrays,
// one note in a few non-ASCII, escapes, keys that are not ASCII, now and then
// a line that is not UTF-8 or not JSON), fed through a real pipe by a writer
// that cuts it anywhere (inside a multi-byte character too), against the
// same filter with SLUICE_FAST=0 on the whole file: the same bytes out, the
// same diagnostics, the same exit status. The fast filter reads non-ASCII
// reads in the byte view (src/engine/fast/filter-lines.ts).
//
//   SLUICE_DIFF_CASES=N scales the number of cases; SLUICE_DIFF_SEED=S replays one.

const rechunk = shellQuote(join(repoRoot, 'dist', 'test', 'differential', 'rechunk.js'));

const NOTES = ['call before', 'für Oma', 'rush — please', 'gift 🎁', 'a "quoted" note', 'tab\there', 'back\\slash', '\u2028', '', 'naïve ☃', '\u0080'];
const TIERS = ['none', 'gold', 'sïlver', 'gold\u00a0'];
const EXPRESSIONS = [
  'r.price > 50 && r.customer.tier === "gold"',
  'r.note.includes("Oma") || r.qty > 8',
  'r.region === "eu-west" && r.tags.includes("promo")',
  'r.customer?.tier?.startsWith("s") || r["pays"] === "Österreich"',
  'Object.keys(r.customer).join() === "id,tier" && r.note.length > 8',
  'JSON.stringify(r.customer).length > 30',
];

function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)]!;
}

/** One input line as bytes: mostly one layout, sometimes another order, a missing field, a key not ASCII, or a line that is not UTF-8 or not JSON. */
function orderLine(r: () => number, i: number, utf8Only: boolean): Buffer {
  const roll = r();
  if (roll < 0.004 && !utf8Only) return Buffer.concat([Buffer.from(`{"order_id":"o-${i}","note":"`), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
  if (roll < 0.006) return Buffer.from(pick(r, ['not json', '{"qty":1', '[1,2]', '{"qty":1} ', '']));
  const customer = roll < 0.05 ? { tier: pick(r, TIERS), id: i } : roll < 0.07 ? { id: i, tier: pick(r, TIERS), vip: true } : { id: Math.floor(r() * 20000), tier: pick(r, TIERS) };
  const record: Record<string, unknown> = {
    event_time: `2025-11-24T16:00:${String(i % 60).padStart(2, '0')}.038+00:00`,
    order_id: `o-${String(i).padStart(7, '0')}`,
    customer,
    sku: `SKU-${Math.floor(r() * 5000)}`,
    qty: 1 + Math.floor(r() * 10),
    price: Math.round(r() * 10000) / 100,
    region: pick(r, ['eu-west', 'us-east', 'sa-east']),
    tags: r() < 0.5 ? [] : [pick(r, ['b2b', 'promo', 'grüße'])],
    note: r() < 0.15 ? pick(r, NOTES) : 'call before',
  };
  if (roll > 0.97) record['pays'] = pick(r, ['Österreich', 'France']);
  if (roll > 0.985) delete record['qty'];
  return Buffer.from(JSON.stringify(record));
}

const replay = process.env['SLUICE_DIFF_SEED'];
// run-tests sets 12 in the fast tier, 60 in the full one.
const cases = replay !== undefined ? 1 : Math.max(2, Math.round(Number(process.env['SLUICE_DIFF_CASES'] ?? 12) / 2));
const base = replay !== undefined ? Number(replay) : Math.floor(Math.random() * 1e9);

test(`filter on non-ASCII shop records through a re-chunking pipe prints what SLUICE_FAST=0 prints (${cases} cases from seed ${base}, issue 12)`, { timeout: cases * 60_000 }, async () => {
  for (let c = 0; c < cases; c++) {
    const seed = base + c;
    const r = rng(seed);
    const dir = tempDir('sluice-filter-bytes-');
    const onError = pick(r, ['', '--on-error skip', '--on-error skip', '--on-error fail']);
    // After a failure (fail is the default), how many of the lines read after it had invalid UTF-8 depends on where the reads ended: none then.
    const lines = Array.from({ length: 400 + Math.floor(r() * 1200) }, (_, i) => orderLine(r, i, onError !== '--on-error skip'));
    writeFileSync(join(dir, 'in.ndjson'), Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])));
    const expr = shellQuote(pick(r, EXPRESSIONS));
    const options = `${onError} ${pick(r, ['', '', '--max-line-bytes 300'])}`;
    const fast = await sh(`node ${rechunk} ${seed} < in.ndjson | sluice filter ${options} ${expr} > fast.out 2> fast.err; echo -n $?`, { cwd: dir, env: { SLUICE_FAST: '1' }, timeoutMs: 60_000 });
    const general = await sh(`sluice filter ${options} ${expr} < in.ndjson > general.out 2> general.err; echo -n $?`, { cwd: dir, env: { SLUICE_FAST: '0' }, timeoutMs: 60_000 });
    const hint = `replay: SLUICE_DIFF_SEED=${seed} node scripts/run-tests.mjs perf/filter-non-ascii-pipes (${dir}: sluice filter ${options} ${expr})`;
    assert.equal(fast.stdout, general.stdout, `exit status; ${hint}`);
    assert.equal(readFileSync(join(dir, 'fast.err'), 'utf8'), readFileSync(join(dir, 'general.err'), 'utf8'), hint);
    const out = readFileSync(join(dir, 'fast.out'));
    assert.ok(out.equals(readFileSync(join(dir, 'general.out'))), `output bytes differ; ${hint}`);
    rmSync(dir, { recursive: true }); // kept when a case fails, for the hint
  }
});
