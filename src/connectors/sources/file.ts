import { createReadStream } from 'node:fs';
import { DataError, UsageError } from '../../engine/errors.js';
import type { SourceKind } from '../kinds.js';
import { followFile, followOptions, followPollMs } from './follow.js';
import { fileTracking } from './file-position.js';
import { pumpStream } from './read-stream.js';

export const fileSource: SourceKind = {
  name: 'file',
  describe: 'file PATH...: the files, one after another; bounded, so one batch unless --max-records-per-batch cuts it; with --follow, like tail -F: a live input that survives rotation and truncation',
  options: [...followOptions],
  validate(_args, targets) {
    if (targets.length === 0) throw new UsageError('source file needs at least one PATH');
  },
  bounded: (args) => !args['follow'],
  replayable: (args) => !args['follow'],
  async run({ driver, args, targets, io, settle, onStop, resume }) {
    if (args['follow']) {
      const o = { pollMs: followPollMs(args), clock: io.clock, warn: io.warn };
      await Promise.all(targets.map((path) => followFile(path, driver, o, settle, onStop)));
      return;
    }
    // Positions are tracked always (batches carry them); with --checkpoint, reading
    // resumes at them. Every file is checked before anything is read, and every
    // committed position is carried on, also while an earlier file is read.
    const tracks = targets.map((path) => fileTracking(path, resume?.[path], String(args['checkpoint'])));
    targets.forEach((path, i) => {
      if (resume?.[path] !== undefined) driver.setPosition(path, tracks[i]!.at(tracks[i]!.startOffset));
    });
    for (const [i, path] of targets.entries()) {
      if (io.stop.reason) break;
      const track = tracks[i]!;
      const stream = createReadStream(path, { highWaterMark: 1 << 20, start: track.startOffset });
      await pumpStream(stream, driver.openInput(path, track), settle, onStop).catch((err: NodeJS.ErrnoException) => {
        if (err instanceof DataError) throw err;
        throw new DataError(`cannot read ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
      });
    }
  },
};
