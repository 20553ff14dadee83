// The rate source puts every record in the batch of its time, however late its
// timers fire: random rates, intervals and stalls of the process (the clock
// moving on with no timer firing, as on a starved CPU), in virtual time.
//   SLUICE_RATE_SEED=S replays one case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../../src/engine/clock.js';
import { ErrorPolicy } from '../../src/engine/error-policy.js';
import { SourceDriver } from '../../src/engine/source-driver.js';
import { PositionTracker, type Downstream } from '../../src/engine/stream.js';
import { rateSource } from '../../src/connectors/sources/rate.js';
import { rng } from '../window/events.js';

const replay = process.env['SLUICE_RATE_SEED'];
const base = replay !== undefined ? Number(replay) : Math.floor(Math.random() * 1e9);
const seeds = replay !== undefined ? [base] : Array.from({ length: 40 }, (_, i) => base + i);

interface Batch {
  start: number;
  end: number;
  records: { value: number; at: number }[];
}

async function runRate(seed: number): Promise<{ batches: Batch[]; perSecond: number; interval: number; emitted: number }> {
  const r = rng(seed);
  // Stalls of up to 2.5 intervals stay under the source's per-step cap (4096 records), as a stalled
  // process with a reader that keeps up is the case here, not a slow reader.
  const perSecond = 1 + Math.floor(r() * 1000);
  const interval = 100 + Math.floor(r() * 1400);
  const clock = new VirtualClock(1_767_225_600_000 + Math.floor(r() * 1e7));
  const batches: Batch[] = [];
  let open: Batch['records'] = [];
  let emitted = 0;
  const next: Downstream = {
    data(record) {
      const { timestamp, value } = record as { timestamp: string; value: number };
      open.push({ value, at: Date.parse(timestamp) });
      emitted++;
    },
    control(c) {
      if (c.type !== 'batch') return;
      batches.push({ start: c.start, end: c.end, records: open });
      open = [];
    },
  };
  const position = new PositionTracker();
  const errors = new ErrorPolicy('source', { kind: 'fail' }, position, () => {});
  const driver = new SourceDriver({ next, clock, interval, bounded: false, format: 'json', errors, position, maxLineBytes: 1000, maxDepth: 64 });
  await driver.begin();
  let stop: () => void = () => {};
  const done = rateSource(driver, { perSecond, clock }, () => Promise.resolve(), (l) => (stop = l));
  for (let step = 0; step < 60; step++) {
    if (r() < 0.3) clock.stall(Math.floor(r() * 2.5 * interval));
    clock.advance(Math.floor(r() * (interval / 3)));
    // The source reschedules its tick once settle() resolves.
    await new Promise((resolve) => setImmediate(resolve));
  }
  stop();
  await done;
  return { batches, perSecond, interval, emitted };
}

for (const seed of seeds) {
  test(`rate: each record is in the batch of its timestamp, through stalls (seed ${seed}; replay: SLUICE_RATE_SEED=${seed})`, async () => {
    const { batches, perSecond, interval, emitted } = await runRate(seed);
    assert.ok(batches.length >= 3, `${batches.length} batches`);
    let expected = 0;
    for (const b of batches) {
      assert.equal(b.end - b.start, interval);
      for (const { value, at } of b.records) {
        assert.equal(value, expected++, 'values count up from 0 with none lost or repeated');
        assert.ok(at >= b.start && at < b.end, `record ${value} stamped ${at} is in batch [${b.start}, ${b.end})`);
      }
    }
    // Every batch after the first (which starts mid-interval) holds the records due in it.
    for (const b of batches.slice(1)) {
      const due = (b.records.length / interval) * 1000;
      assert.ok(Math.abs(due - perSecond) <= 1000 / interval, `batch [${b.start}, ${b.end}): ${b.records.length} records at ${perSecond}/s`);
    }
    assert.ok(emitted >= expected);
  });
}
