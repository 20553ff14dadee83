import { latestOwnCommit, writeCommit } from '../../engine/checkpoint/commit-log.js';
import type { CheckpointRole } from '../../engine/checkpoint/store.js';
import type { Control } from '../../engine/control.js';
import { DataError } from '../../engine/errors.js';
import type { Downstream } from '../../engine/stream.js';
import { LineBuffer } from './line-buffer.js';
import { openParts, originOf, type PartOutput, type PartWriter, type RollMode } from './file-parts.js';

const ORIGIN = 'origin';

/**
 * `sink file PATH --checkpoint DIR`: exactly-once output with a replayable
 * source. At start the output is cut back to the last commit (or to what PATH
 * held before the first one). At each batch boundary the batch's records are
 * made durable (fsync, or temp + rename for part files) and only then
 * commit-<batch>.json records the source positions and the output's length.
 */
export class FileCommitSink implements Downstream {
  private readonly writer: PartWriter;
  private readonly lines: LineBuffer;

  constructor(
    path: string,
    mode: RollMode,
    rollBytes: number | undefined,
    private readonly store: CheckpointRole,
    onUnserialisable: (err: Error) => void,
  ) {
    const at = FileCommitSink.recoveryPoint(path, mode, store);
    this.writer = openParts(path, at, rollBytes);
    this.lines = new LineBuffer((text) => this.writer.write(text), onUnserialisable);
  }

  private static recoveryPoint(path: string, mode: RollMode, store: CheckpointRole): PartOutput {
    const commit = latestOwnCommit(store);
    let at = commit?.output as PartOutput | undefined;
    let from = 'the last commit';
    if (!commit) {
      at = store.read(ORIGIN) as PartOutput | undefined;
      from = 'the start of this checkpoint';
      if (!at) {
        at = originOf(mode, path);
        store.write(ORIGIN, at);
      }
    }
    if (!at || at.mode !== mode) {
      throw new DataError(`checkpoint ${store.path}: the output was written ${describe(at?.mode)} at ${from}, now ${describe(mode)}; use the same --roll option as before or another --checkpoint DIR`);
    }
    return at;
  }

  get recordsOut(): number {
    return this.lines.recordsOut;
  }

  data(record: unknown, raw: string | undefined): void {
    this.lines.add(record, raw);
  }

  control(c: Control): void {
    if (c.type === 'batch') {
      this.flush();
      const output = this.writer.durable(c.id);
      writeCommit(this.store, { batch: c.id, positions: c.positions, output, committedAt: new Date().toISOString() });
    } else if (c.type === 'eos') {
      this.flush();
      this.writer.finishTail();
    }
  }

  private flush(): void {
    this.lines.flush();
  }

  close(): void {
    this.writer.close();
  }
}

function describe(mode: RollMode | undefined): string {
  if (mode === 'batch') return 'with --roll batch';
  if (mode === 'bytes') return 'with --roll-bytes';
  if (mode === 'single') return 'to a single file';
  return 'in an unknown layout';
}
