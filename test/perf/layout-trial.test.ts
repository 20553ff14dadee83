import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { BlockLayouts } from '../../src/engine/fast/block-layouts.js';
import { LayoutTrial } from '../../src/engine/fast/layout-trial.js';
import { LineShapes } from '../../src/engine/fast/line-shapes.js';
import { FilterLines } from '../../src/engine/fast/filter-lines.js';
import { PositionTracker } from '../../src/engine/stream.js';

// When trying learned layouts stops paying (src/engine/fast/layout-trial.ts):
// a stream whose lines mostly miss rests (its lines go to the general path
// untried) and one whose lines each have a layout of their own stops
// learning. That output is unchanged by it is checked against SLUICE_FAST=0
// over real pipes in shuffled-members-pipes.test.ts.

/** The trial's answers, replayed by a model of its rules. */
class TrialModel {
  tries = 0;
  misses = 0;
  restLeft = 0;
  rest = 16_384;
  learned = 0;
  chars = 0;
  last = 0;
  hitsSince = 0;
  untried = 0;
  probeHits = 0;
  probing = false;
  seen = 0;
  seenAtLearnt = 0;
  skip(): boolean {
    this.seen++;
    this.probing = false;
    if (this.restLeft === 0) return false;
    // One line in 1024 of a rest is a probe.
    if (this.untried >= 1024) {
      this.untried = 0;
      this.probing = true;
      return false;
    }
    this.untried++;
    this.restLeft--;
    return true;
  }
  passedOver(n: number): void {
    this.restLeft = Math.max(0, this.restLeft - n);
    this.untried += n;
    this.seen += n;
  }
  tried(hit: boolean): void {
    if (hit) this.hitsSince++;
    if (this.restLeft > 0) {
      // Four probes that hit in a row end the rest.
      this.probeHits = hit ? this.probeHits + 1 : 0;
      if (this.probeHits === 4) {
        this.restLeft = this.tries = this.misses = this.probeHits = 0;
        this.rest = 16_384;
      }
      return;
    }
    this.tries++;
    if (!hit) this.misses++;
    if (this.tries < 1024) return;
    const rest = this.misses > 512;
    this.tries = this.misses = 0;
    if (!rest) this.rest = 16_384;
    else {
      this.restLeft = this.rest;
      this.rest = Math.min(this.rest * 2, 1_048_576);
      this.untried = this.probeHits = 0;
    }
  }
  learning(): boolean {
    // A rest learns only at a probe; after 65,536 lines since the last layout, learning is free again.
    return (this.restLeft === 0 || this.probing) && this.learned < 64 && (this.chars < 32_000 || this.hitsSince * 8 >= this.last || this.seen - this.seenAtLearnt >= 65_536);
  }
}

test('the trial: rests after a judged run of mostly misses, twice as long while misses go on; learning needs lines taken since the last', () => {
  // Runs of hits and misses, with a try to learn now and then.
  const step = fc.oneof(fc.tuple(fc.constant('hits' as const), fc.integer({ min: 1, max: 3000 })), fc.tuple(fc.constant('misses' as const), fc.integer({ min: 1, max: 3000 })), fc.tuple(fc.constant('learn' as const), fc.integer({ min: 500, max: 30_000 })), fc.tuple(fc.constant('passedOver' as const), fc.integer({ min: 1, max: 20_000 })));
  fc.assert(
    fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
      const trial = new LayoutTrial();
      const model = new TrialModel();
      for (const [kind, n] of steps) {
        if (kind === 'passedOver') {
          trial.passedOver(n);
          model.passedOver(n);
          assert.equal(trial.resting, model.restLeft > 0);
          continue;
        }
        if (kind === 'learn') {
          assert.equal(trial.learning, model.learning());
          if (model.learning()) {
            trial.learnt(n);
            model.learned++;
            model.chars += n;
            model.last = n;
            model.hitsSince = 0;
            model.seenAtLearnt = model.seen;
          }
          continue;
        }
        for (let i = 0; i < n; i++) {
          const skipped = trial.skip();
          assert.equal(skipped, model.skip());
          if (skipped) continue;
          trial.tried(kind === 'hits' ? 1 : 0, kind === 'misses' ? 1 : 0);
          model.tried(kind === 'hits');
        }
      }
    }),
    { numRuns: 2000 },
  );
});

/** A line of the same six members in an order of its own. */
function shuffledLine(i: number, random: () => number): string {
  const members: [string, unknown][] = [
    ['ts', `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}Z`],
    ['user', `u${i % 7}`],
    ['path', `/p/${i % 13}`],
    ['status', 200 + (i % 3)],
    ['bytes', i],
    ['ua', 'agent'],
  ];
  for (let j = members.length - 1; j > 0; j--) {
    const k = Math.floor(random() * (j + 1));
    [members[j], members[k]] = [members[k]!, members[j]!];
  }
  return JSON.stringify(Object.fromEntries(members));
}

function seeded(seed: number): () => number {
  let a = seed;
  return () => ((a = (Math.imul(a, 1103515245) + 12345) >>> 0) / 2 ** 32);
}

test('a rest ends once its probes hit: one line in 1024 is tried, and four hits in a row end it', () => {
  const trial = new LayoutTrial();
  // Misses that grow the rest to its longest.
  for (let round = 0; round < 8; round++) {
    for (let i = 0; i < 1024; i++) trial.tried(0, 1);
    while (trial.resting) trial.passedOver(1_000_000);
  }
  for (let i = 0; i < 1024; i++) trial.tried(0, 1);
  assert.ok(trial.resting);
  // Now every line would hit: the rest, up to a million lines long, ends after four probes.
  let untried = 0;
  for (; untried < 1_000_000 && trial.resting; untried++) {
    if (!trial.skip()) trial.tried(1, 0);
  }
  assert.equal(trial.resting, false);
  assert.ok(untried <= 4 * 1025, `${untried} lines before the rest ended`);
  // A probe that misses starts the count again.
  for (let i = 0; i < 1024; i++) trial.tried(0, 1);
  let probes = 0;
  for (let i = 0; i < 15_000; i++) {
    if (trial.skip()) continue;
    probes++;
    trial.tried(probes % 4 === 0 ? 0 : 1, probes % 4 === 0 ? 1 : 0);
  }
  assert.ok(trial.resting, 'three hits then a miss, again and again: the rest goes on');
});

test('line layouts: a stream of members in ever other orders learns a few layouts and rests; a known layout is then skipped, and taken again after the rest', () => {
  const shapes = new LineShapes(['status', 'bytes'], 2);
  const random = seeded(1);
  let learned = 0;
  let lastLearned = '';
  for (let i = 0; i < 1100; i++) {
    const line = shuffledLine(i, random);
    if (!shapes.exec(line) && shapes.learning) {
      shapes.learn(line);
      learned++;
      lastLearned = line;
    }
  }
  assert.ok(learned <= 16, `${learned} layouts learned from lines that each have an order of their own`);
  assert.equal(shapes.exec(lastLearned), false, 'resting: a known layout is not tried');
  assert.equal(shapes.learning, false, 'resting: nothing learned');
  for (let i = 0; i < 16_384; i++) shapes.exec(lastLearned);
  assert.ok(shapes.exec(lastLearned), 'after the rest the known layout takes its line again');
});

test('block layouts: reads whose lines mostly have orders of their own rest: their lines go to the general path untried, then the layouts are tried again', () => {
  const layouts = new BlockLayouts(undefined, [], 2, ['status']);
  const random = seeded(2);
  const stable = (i: number) => `{"status":${200 + (i % 3)},"n":${i}}`;
  // One line in three has a layout that is kept (it takes lines): not enough to go on trying.
  const lines = Array.from({ length: 3000 }, (_, i) => (i % 3 === 0 ? stable(i) : shuffledLine(i, random)));
  const bytes = Buffer.from(lines.join('\n') + '\n');
  const starts = [0];
  for (let i = 0; i < bytes.length - 1; i++) if (bytes[i] === 10) starts.push(i + 1);
  // As a whole-read consumer does: scan, and take the line it stops at the general way.
  let taken = 0;
  let untried = 0;
  for (let l = 0; l < starts.length; ) {
    const from = starts[l]!;
    const r = layouts.scan(bytes, from, bytes.length - 1, 10_000, () => true);
    taken += r.lines;
    l += r.lines;
    if (r.to === from) {
      untried++;
      l++;
    }
  }
  assert.equal(untried + taken, lines.length);
  assert.ok(taken < lines.length / 2, `${taken} of ${lines.length} lines taken by layouts`);
  const probe = Buffer.from(stable(1) + '\n');
  assert.equal(layouts.scan(probe, 0, probe.length - 1, 10_000, () => true).lines, 0, 'resting: not even a learned layout is tried');
  for (let i = 0; i < 20_000; i++) layouts.scan(probe, 0, probe.length - 1, 10_000, () => true);
  assert.equal(layouts.scan(probe, 0, probe.length - 1, 10_000, () => true).lines, 1, 'after the rest the layout takes its line again');
});

/**
 * Reads as the stage runner offers them to a whole-read path: each read's
 * first line alone (the line held from the read before), then the rest of the
 * read, which is not offered when the first line was left to the general path
 * (a line of this read waits). Returns how many of the lines from `countFrom`
 * on the path took.
 */
function offerReads(lines: string[], readLines: number, countFrom: number, take: (text: string, bytes: Buffer, line: number) => number): number {
  let takenCounted = 0;
  for (let at = 0; at < lines.length; at += readLines) {
    const read = lines.slice(at, at + readLines);
    const pieces = [read.slice(0, 1), read.slice(1)];
    let line = at;
    for (const piece of pieces) {
      if (piece.length === 0) continue;
      const text = piece.join('\n');
      const taken = take(text, Buffer.from(text, 'latin1'), line);
      if (line >= countFrom) takenCounted += taken;
      if (taken < piece.length) break;
      line += piece.length;
    }
  }
  return takenCounted;
}

test('a whole-read filter counts the lines it was never offered toward its rest: steady lines after a phase of shuffled ones are soon taken again', () => {
  const random = seeded(5);
  const steady = (i: number) => `{"ts":"2026-01-01T00:00:00Z","user":"u${i % 7}","path":"/p/${i % 13}","status":${200 + (i % 3)},"bytes":${i},"ua":"agent"}`;
  const shuffled = 60_000;
  const lines = Array.from({ length: shuffled + 200_000 }, (_, i) => (i < shuffled ? shuffledLine(i, random) : steady(i)));
  const position = new PositionTracker();
  let used = 0;
  const room = Buffer.alloc(1 << 20);
  const out = { byteRoom: (n: number) => (used + n > room.length ? ((used = 0), room) : room), get bytesUsed() { return used; }, addedBytes: (n: number) => void (used += n) };
  const filter = new FilterLines(['status', 'path'], 64, (r) => (r as { status: number }).status > 0, out, position);
  const taken = offerReads(lines, 370, shuffled, (text, bytes, line) => {
    position.line = line;
    return filter.take(text, bytes, 0, false, 1 << 20).lines;
  });
  // The last rest of the shuffled phase is at most 64k lines long, and probes end it sooner.
  assert.ok(taken > 120_000, `${taken} of the 200,000 steady lines taken`);
});

test('block layouts (window, reduce-by-key) count the lines they were never offered toward their rest', () => {
  const random = seeded(6);
  const steady = (i: number) => `{"status":${200 + (i % 3)},"n":${i}}`;
  const shuffled = 60_000;
  const lines = Array.from({ length: shuffled + 200_000 }, (_, i) => (i < shuffled ? shuffledLine(i, random) : steady(i)));
  const layouts = new BlockLayouts(undefined, [], 2, ['status']);
  const taken = offerReads(lines, 370, shuffled, (text, _bytes, line) => {
    const bytes = Buffer.from(text + '\n');
    return layouts.scan(bytes, 0, bytes.length - 1, 1 << 20, () => true, undefined, line).lines;
  });
  assert.ok(taken > 120_000, `${taken} of the 200,000 steady lines taken`);
});
