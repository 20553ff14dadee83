import { UsageError } from '../../engine/errors.js';
import type { SinkKind } from '../kinds.js';
import { AppendFileSink } from './file-sink.js';

export const fileSinkKind: SinkKind = {
  name: 'file',
  describe: 'file PATH: append NDJSON to PATH, flushed at every batch boundary',
  options: [],
  build(_stdout, ctx, args) {
    const path = (args['target'] as string[] | undefined)?.[0];
    if (!path) throw new UsageError('sink file needs a PATH');
    const sink = new AppendFileSink(path, (err) => ctx.errors.bad(`cannot serialise record: ${err.message}`));
    return { downstream: sink, close: () => sink.close() };
  },
};
