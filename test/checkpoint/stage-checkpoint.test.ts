import { capabilitiesOf } from '../../src/engine/capabilities.js';
import { TEST_TOKEN } from '../helpers/stream.js';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeCommit } from '../../src/engine/checkpoint/commit-log.js';
import { StageCheckpoint } from '../../src/engine/checkpoint/stage-checkpoint.js';
import { CheckpointRole } from '../../src/engine/checkpoint/store.js';
import type { Control } from '../../src/engine/control.js';
import type { Stateful } from '../../src/engine/stateful.js';
import type { Downstream } from '../../src/engine/stream.js';

/** A running total that emits its total at every batch boundary. */
class Total implements Downstream, Stateful {
  total = 0;
  constructor(private readonly next: Downstream) {}
  data(record: unknown): void {
    this.total += (record as { n: number }).n;
  }
  control(c: Control): void | Promise<void> {
    if (c.type === 'batch') this.next.data({ total: this.total }, undefined);
    return this.next.control(c);
  }
  snapshot(): unknown {
    return { total: this.total };
  }
  restore(state: unknown): void {
    this.total = (state as { total: number }).total;
  }
}

class Recorder implements Downstream {
  seen: string[] = [];
  constructor(private readonly onBatch?: () => void) {}
  data(record: unknown): void {
    this.seen.push(JSON.stringify(record));
  }
  control(c: Control): void {
    this.seen.push(c.type);
    if (c.type === 'batch') this.onBatch?.();
  }
}

async function send(cp: StageCheckpoint, chain: Downstream, c: Control): Promise<void> {
  await chain.control(c);
  await cp.after(c, capabilitiesOf(chain).state);
}

test('state is saved before the batch boundary leaves the stage, and restored at a resumed start', async () => {
  const root = mkdtempSync(join(tmpdir(), 'sluice-cp-'));
  const cp = new StageCheckpoint(CheckpointRole.open(root, 'reduce-by-key'), () => undefined);
  let savedWhenForwarded: number[] = [];
  const out = new Recorder(() => (savedWhenForwarded = cp.store.numbers('state')));
  const op = new Total(cp.wrap(out));
  await send(cp, op, { type: 'start', token: TEST_TOKEN, interval: 1000, bounded: true });
  op.data({ n: 2 });
  await send(cp, op, { type: 'batch', id: 0, start: 0, end: 1 });
  assert.deepEqual(savedWhenForwarded, [0], 'state-0 existed when batch 0 was forwarded');
  op.data({ n: 3 });
  await send(cp, op, { type: 'batch', id: 1, start: 1, end: 2 });
  assert.deepEqual(out.seen, ['start', '{"total":2}', 'batch', '{"total":5}', 'batch']);
  cp.close();

  // The sink committed batch 0 only: a restarted stage continues from state-0.
  const sink = CheckpointRole.open(root, 'sink');
  writeCommit(sink, { batch: 0, committedAt: 'now' });
  const cp2 = new StageCheckpoint(CheckpointRole.open(root, 'reduce-by-key'), () => undefined);
  const out2 = new Recorder();
  const op2 = new Total(cp2.wrap(out2));
  await send(cp2, op2, { type: 'start', token: TEST_TOKEN, interval: 1000, bounded: true, resumeAfter: 0 });
  assert.equal(op2.total, 2);
  op2.data({ n: 3 });
  await send(cp2, op2, { type: 'batch', id: 1, start: 1, end: 2 });
  assert.deepEqual(out2.seen, ['start', '{"total":5}', 'batch']);
  // Pruned below the sink's latest commit only.
  assert.deepEqual(cp2.store.numbers('state'), [0, 1]);
  cp2.close();

  // The source not resuming while the sink has commits is refused.
  const cp3 = new StageCheckpoint(CheckpointRole.open(root, 'reduce-by-key'), () => undefined);
  const op3 = new Total(cp3.wrap(new Recorder()));
  await assert.rejects(send(cp3, op3, { type: 'start', token: TEST_TOKEN, interval: 1000, bounded: true }), /started from the beginning/);
  // State for the committed batch missing while other state exists: refused.
  writeCommit(sink, { batch: 5, committedAt: 'now' });
  await assert.rejects(send(cp3, op3, { type: 'start', token: TEST_TOKEN, interval: 1000, bounded: true, resumeAfter: 5 }), /no state for batch 5/);
  cp3.close();
  sink.close();
});
