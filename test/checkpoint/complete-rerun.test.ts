import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../helpers/run.js';
import { events, runPipeline } from './kill.js';

// reduce-by-key --mode complete writes the whole table at every batch. A rerun
// after the last batch was committed (a finished cron run, or a kill -9 that
// landed after the sink's last commit) restores that batch's state and gets one
// more, empty batch from the source: it must not write the committed table a
// second time (the differential fault test saw 276 rows twice).
const PIPELINE =
  'sluice source file ev.ndjson --format json --checkpoint C --max-records-per-batch 10' +
  ' | sluice window --session 2s --key k --time-field ts --checkpoint C' +
  ' | sluice reduce-by-key k --count --mode complete --checkpoint C' +
  ' | sluice sink file out.ndjson --checkpoint C';

const rows = (text: string) => text.split('\n').filter(Boolean);

test('complete mode: a rerun of finished input writes nothing again; appended lines write new tables', async () => {
  const all = rows(events(120, 7));
  const dir = tempDir();
  writeFileSync(join(dir, 'ev.ndjson'), all.slice(0, 60).join('\n') + '\n');
  const first = await runPipeline(PIPELINE, dir);
  assert.equal(first.code, 0, first.stderr);
  const committed = readFileSync(join(dir, 'out.ndjson'), 'utf8');
  assert.ok(rows(committed).length > 6, 'the first run wrote a table per batch');

  for (let run = 2; run <= 3; run++) {
    const again = await runPipeline(PIPELINE, dir);
    assert.equal(again.code, 0, again.stderr);
    const out = readFileSync(join(dir, 'out.ndjson'), 'utf8');
    assert.equal(rows(out).length, rows(committed).length, `run ${run} over unchanged input added ${rows(out).length - rows(committed).length} rows`);
    assert.equal(out, committed);
  }

  appendFileSync(join(dir, 'ev.ndjson'), all.slice(60).join('\n') + '\n');
  const more = await runPipeline(PIPELINE, dir);
  assert.equal(more.code, 0, more.stderr);
  const out = readFileSync(join(dir, 'out.ndjson'), 'utf8');
  assert.ok(out.startsWith(committed), "the first run's rows stay as they were");
  // Six new batches (10 lines each), each writing the whole table, which keeps every row the first run wrote.
  const cell = (l: string) => {
    const r = JSON.parse(l) as { window: { start: string; end: string }; k: string };
    return `${r.window.start} ${r.window.end} ${r.k}`;
  };
  const firstTable = new Set(rows(committed).map(cell));
  const added = rows(out.slice(committed.length));
  assert.ok(added.length >= 6 * firstTable.size, `the appended lines wrote ${added.length} rows, not 6 tables of at least ${firstTable.size}`);
  const addedCells = new Set(added.map(cell));
  for (const c of firstTable) assert.ok(addedCells.has(c), `the later tables lost ${c}`);
});
