import type { Control, ControlOf } from '../control.js';
import { DataError } from '../errors.js';
import type { Stateful } from '../stateful.js';
import type { Downstream } from '../stream.js';
import { latestCommittedBatch } from './commit-log.js';
import { OutputGate } from './output-gate.js';
import type { CheckpointRole } from './store.js';

export const STATE = 'state';

interface StateFile {
  batch: number;
  state: unknown;
}

/** Batches after which a stage warns that no sink commits: state files cannot be pruned. */
const NO_COMMIT_WARNING_AFTER = 20;

/**
 * Checkpointing for one stage process (window, reduce-by-key, ...). The stage
 * runner calls wrap() once around its writer and after() after the operator
 * chain handled each control record. When the chain's head is Stateful:
 * - at batch N's boundary, its snapshot is written to state-N.json before any
 *   output from the boundary on leaves the stage (OutputGate);
 * - at start{resumeAfter: N} (a restarted pipeline), state-N.json is restored
 *   before the first record; at a fresh start, leftover state files are removed.
 * State files older than the sink's latest commit are pruned.
 */
export class StageCheckpoint {
  private gate: OutputGate | undefined;
  private batchesWithoutCommit = 0;
  private warnedNoCommit = false;

  constructor(
    readonly store: CheckpointRole,
    private readonly warn: (line: string) => void,
    /** False for a sink: it commits instead, and nothing follows it. */
    private readonly gateOutput = true,
  ) {}

  wrap<T extends Downstream>(out: T): T | OutputGate {
    if (!this.gateOutput) return out;
    this.gate = new OutputGate(out);
    return this.gate;
  }

  /** After the chain handled control record `c`; `state` is the chain head's, when it declares one (capabilities.ts). */
  async after(c: Control, state: Stateful | undefined): Promise<void> {
    if (c.type === 'start') this.start(c, state);
    else if (c.type === 'batch') {
      if (state) this.save(c.id, state.snapshot());
      await this.gate?.release();
    }
  }

  private start(c: ControlOf<'start'>, state: Stateful | undefined): void {
    const root = this.store.root;
    const committed = latestCommittedBatch(root);
    if (c.resumeAfter === undefined && committed !== undefined) {
      throw new DataError(`checkpoint ${root}: the sink committed batch ${committed}, but the source started from the beginning; give the source the same --checkpoint DIR`);
    }
    if (c.resumeAfter !== undefined && committed !== c.resumeAfter) {
      throw new DataError(`checkpoint ${root}: the source resumes after batch ${c.resumeAfter}, but the sink's latest commit is ${committed === undefined ? 'missing' : `batch ${committed}`}; was the source given another --checkpoint DIR?`);
    }
    if (!state) return;
    const saved = this.store.numbers(STATE);
    if (c.resumeAfter === undefined) {
      // State of batches that no sink committed is from a run that never got that far.
      this.store.pruneBelow(STATE, Number.MAX_SAFE_INTEGER);
      return;
    }
    const file = this.store.read(STATE, c.resumeAfter) as StateFile | undefined;
    if (file === undefined) {
      if (saved.length > 0) {
        throw new DataError(`checkpoint ${this.store.path}: no state for batch ${c.resumeAfter}, which the sink committed (state files: ${saved.join(', ')}); refusing to continue with a wrong state`);
      }
      this.warn(`sluice ${this.store.role}: checkpoint ${this.store.path} holds no state; starting this stage empty after batch ${c.resumeAfter}`);
      return;
    }
    if (file.batch !== c.resumeAfter) throw new DataError(`checkpoint ${this.store.path}: state-${c.resumeAfter}.json holds batch ${file.batch}`);
    state.restore(file.state);
  }

  private save(batch: number, state: unknown): void {
    const file: StateFile = { batch, state };
    this.store.write(STATE, file, batch);
    const committed = latestCommittedBatch(this.store.root);
    if (committed !== undefined) this.store.pruneBelow(STATE, Math.min(committed, batch));
    else if (++this.batchesWithoutCommit >= NO_COMMIT_WARNING_AFTER && !this.warnedNoCommit) {
      this.warnedNoCommit = true;
      this.warn(`sluice ${this.store.role}: no sink has committed to checkpoint ${this.store.root} after ${this.batchesWithoutCommit} batches; give the sink the same --checkpoint DIR, or state files accumulate`);
    }
  }

  close(): void {
    try {
      const committed = latestCommittedBatch(this.store.root);
      if (committed !== undefined && this.gateOutput) this.store.pruneBelow(STATE, committed);
    } finally {
      this.store.close();
    }
  }
}
