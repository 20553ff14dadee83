import { UsageError } from '../../engine/errors.js';
import type { SinkKind } from '../kinds.js';
import { FileCommitSink } from './file-commit-sink.js';
import type { RollMode } from './file-parts.js';
import { AppendFileSink } from './file-sink.js';
import { partitionedFileSink } from './partitioned-file.js';

function rollMode(args: Record<string, unknown>): { mode: RollMode; rollBytes?: number } {
  const roll = args['roll'] as string | undefined;
  const bytes = args['roll-bytes'] as number | undefined;
  if (roll !== undefined && bytes !== undefined) throw new UsageError('give --roll batch or --roll-bytes N, not both');
  if (bytes !== undefined) {
    if (!Number.isInteger(bytes) || bytes <= 0) throw new UsageError(`--roll-bytes '${String(bytes)}' must be a whole number of bytes > 0`);
    return { mode: 'bytes', rollBytes: bytes };
  }
  return { mode: roll === 'batch' ? 'batch' : 'single' };
}

export const fileSinkKind: SinkKind = {
  name: 'file',
  describe:
    'file PATH: append NDJSON to PATH, flushed at every batch boundary. With --checkpoint DIR, exactly-once with a replayable source: each batch is made durable, then committed; a restart first cuts PATH back to the last commit. --roll batch or --roll-bytes N make PATH a directory of part files (part-<n>.ndjson, then tail.ndjson for records after the last batch)',
  options: [
    { name: 'roll', type: 'string', placeholder: 'WHEN', choices: ['batch'], describe: 'file --checkpoint: one part file per batch, PATH/part-<batch>.ndjson, each created whole (temp file + rename)' },
    { name: 'roll-bytes', type: 'number', placeholder: 'N', integer: true, min: 1, describe: 'file --checkpoint: PATH/part-<n>.ndjson, a new part once one would exceed N bytes' },
    {
      name: 'partition-by',
      type: 'string',
      placeholder: 'FIELD',
      describe: 'file: PATH is a directory; each record is appended to PATH/FIELD=<value>/part.ndjson, the value percent-encoded so it stays one directory under PATH (not with --checkpoint)',
    },
  ],
  build(_stdout, ctx, args) {
    const path = (args['target'] as string[] | undefined)?.[0];
    if (!path) throw new UsageError('sink file needs a PATH');
    if (args['partition-by'] !== undefined) return partitionedFileSink(path, args, ctx);
    const onUnserialisable = (err: Error) => ctx.errors.bad(`cannot serialise record: ${err.message}`);
    const { mode, rollBytes } = rollMode(args);
    if (!ctx.checkpoint) {
      if (mode !== 'single') throw new UsageError('--roll and --roll-bytes need --checkpoint DIR (the commit log says which parts are complete)');
      const sink = new AppendFileSink(path, onUnserialisable);
      return { downstream: sink, close: () => sink.close() };
    }
    const sink = new FileCommitSink(path, mode, rollBytes, ctx.checkpoint, onUnserialisable);
    return { downstream: sink, close: () => sink.close(), commits: true };
  },
};
