import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixedWindows } from '../../src/engine/window/assigner.js';
import { parseEventTime, parseIsoTime } from '../../src/engine/event-time.js';
import { WatermarkTracker } from '../../src/engine/window/watermark.js';
import { SessionTable } from '../../src/engine/window/sessions.js';
import { UsageError } from '../../src/engine/errors.js';
import { T0 } from './harness.js';

test('tumbling windows: each time is in exactly one epoch-aligned window; end is exclusive', () => {
  const w = fixedWindows(10_000);
  assert.deepEqual(w.windowsFor(T0 + 3_000), [{ start: T0, end: T0 + 10_000 }]);
  assert.deepEqual(w.windowsFor(T0 + 10_000), [{ start: T0 + 10_000, end: T0 + 20_000 }]);
  assert.deepEqual(w.windowsFor(-1), [{ start: -10_000, end: 0 }]);
});

test('sliding windows: every window containing t, oldest first; slide longer than size is refused naming both', () => {
  const w = fixedWindows(10_000, 5_000);
  assert.deepEqual(w.windowsFor(T0 + 7_000), [
    { start: T0, end: T0 + 10_000 },
    { start: T0 + 5_000, end: T0 + 15_000 },
  ]);
  assert.deepEqual(w.windowsFor(T0 + 5_000), [
    { start: T0, end: T0 + 10_000 },
    { start: T0 + 5_000, end: T0 + 15_000 },
  ]);
  assert.equal(fixedWindows(10_000, 3_000).windowsFor(T0 + 1).length, 4); // starts -9,-6,-3,0 (s)
  assert.throws(() => fixedWindows(5_000, 10_000), (e: unknown) => e instanceof UsageError && /--slide 10s.*size 5s/.test(e.message));
});

test('ISO-8601 parsing is strict: impossible dates are refused, offsets applied, no offset means UTC', () => {
  assert.equal(parseIsoTime('2026-01-01T00:00:03Z'), T0 + 3000);
  assert.equal(parseIsoTime('2026-01-01T01:00:03+01:00'), T0 + 3000);
  assert.equal(parseIsoTime('2026-01-01T00:00:03.25'), T0 + 3250);
  assert.equal(parseIsoTime('2026-01-01 00:00:03Z'), T0 + 3000);
  assert.equal(parseIsoTime('2026-01-01'), T0);
  for (const bad of ['2026-02-30T00:00:00Z', '2026-13-01T00:00:00Z', '2026-01-01T24:00:00Z', 'yesterday', '', '0', 'March 7 2026']) {
    assert.equal(parseIsoTime(bad), undefined, bad);
  }
});

test('event times: numbers need an explicit unit; junk is an error message, never epoch 0', () => {
  assert.equal(parseEventTime(1767225603, 'ts', 's'), T0 + 3000);
  assert.equal(parseEventTime(1767225603000, 'ts', 'ms'), T0 + 3000);
  assert.equal(parseEventTime(1767225603000000, 'ts', 'us'), T0 + 3000);
  assert.equal(parseEventTime(1767225603000000000, 'ts', 'ns'), T0 + 3000);
  assert.equal(parseEventTime('1767225603', 'ts', 's'), T0 + 3000);
  assert.match(String(parseEventTime(1767225603, 'ts', undefined)), /--time-unit/);
  assert.match(String(parseEventTime(undefined, 'ts', undefined)), /no time field 'ts'/);
  assert.match(String(parseEventTime(null, 'ts', 's')), /not a time/);
  assert.match(String(parseEventTime('soon', 'ts', undefined)), /not an ISO-8601 time/);
  assert.match(String(parseEventTime(1e300, 'ts', 's')), /outside the range/);
});

test('watermark: max event time minus delay; announced only when it moved', () => {
  const w = new WatermarkTracker(5_000);
  assert.equal(w.current, -Infinity);
  assert.equal(w.takeAdvance(), undefined);
  w.observe(T0 + 10_000);
  w.observe(T0 + 4_000); // out of order: no effect
  assert.equal(w.current, T0 + 5_000);
  assert.equal(w.takeAdvance(), T0 + 5_000);
  assert.equal(w.takeAdvance(), undefined);
  const copy = new WatermarkTracker(5_000);
  copy.restore(JSON.parse(JSON.stringify(w.snapshot())));
  assert.equal(copy.current, w.current);
  assert.equal(copy.takeAdvance(), undefined);
});

test('sessions: overlapping events of a key merge; closed by the watermark in end order; late only when joining nothing open', () => {
  const s = new SessionTable(10);
  const item = (n: number) => ({ record: { n }, raw: undefined, bytes: 1 });
  assert.ok(s.add('a', 100, item(1), -Infinity));
  assert.ok(s.add('a', 117, item(2), -Infinity)); // separate: [117, 127)
  assert.ok(s.add('a', 108, item(3), -Infinity)); // [108, 118) bridges both: [100, 127)
  assert.ok(s.add('b', 101, item(4), -Infinity));
  assert.equal(s.heldRecords, 4);
  assert.deepEqual(s.closeUpTo(120).map((c) => [c.keyId, c.session.start, c.session.end]), [['b', 101, 111]]);
  assert.ok(!s.add('b', 105, item(5), 120), 'its session [105,115) is already closed');
  assert.ok(s.add('a', 95, item(6), 120), 'joins the open session of a');
  const all = s.closeAll();
  assert.deepEqual(all.map((c) => [c.keyId, c.session.start, c.session.end, c.session.items.map((i) => (i.record as { n: number }).n)]), [['a', 95, 127, [1, 2, 3, 6]]]);
  assert.equal(s.heldRecords, 0);
});
