import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { BlockLayouts } from '../../src/engine/fast/block-layouts.js';
import { LayoutTrial } from '../../src/engine/fast/layout-trial.js';
import { LineShapes } from '../../src/engine/fast/line-shapes.js';

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
  skip(): boolean {
    if (this.restLeft === 0) return false;
    this.restLeft--;
    return true;
  }
  passedOver(n: number): void {
    this.restLeft = Math.max(0, this.restLeft - n);
  }
  tried(hit: boolean): void {
    if (hit) this.hitsSince++;
    this.tries++;
    if (!hit) this.misses++;
    if (this.tries < 1024) return;
    const rest = this.misses > 512;
    this.tries = this.misses = 0;
    if (!rest) this.rest = 16_384;
    else {
      this.restLeft = this.rest;
      this.rest = Math.min(this.rest * 2, 1_048_576);
    }
  }
  learning(): boolean {
    return this.restLeft === 0 && this.learned < 64 && (this.chars < 32_000 || this.hitsSince * 8 >= this.last);
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
    { numRuns: 300 },
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
