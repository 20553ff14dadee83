import { createReadStream } from 'node:fs';
import { DataError, UsageError } from '../../engine/errors.js';
import type { SourceKind } from '../kinds.js';
import { followFile, followOptions, followPollMs, type FollowPosition } from './follow.js';
import { fileTracking } from './file-position.js';
import { pumpStream } from './read-stream.js';
import type { InputTracking } from '../../engine/source-driver.js';

export const fileSource: SourceKind = {
  name: 'file',
  describe: 'file PATH...: the files, one after another; bounded, so one batch unless --max-records-per-batch cuts it; with --follow, like tail -F: a live input that survives rotation and truncation',
  options: [...followOptions],
  validate(_args, targets) {
    if (targets.length === 0) throw new UsageError('source file needs at least one PATH');
  },
  bounded: (args) => !args['follow'],
  replayable: () => true,
  async run({ driver, args, targets, io, settle, onStop, resume }) {
    if (args['follow']) {
      const o = { pollMs: followPollMs(args), clock: io.clock, warn: io.warn };
      // With --checkpoint: continue at the committed {ino, offset}; a file rotated since is read from its start.
      for (const path of targets) if (resume?.[path] !== undefined) driver.setPosition(path, resume[path]);
      const start = (path: string): FollowPosition | undefined => {
        const p = resume?.[path] as FollowPosition | undefined;
        if (p !== undefined && (typeof p !== 'object' || typeof p.ino !== 'number' || !Number.isSafeInteger(p.offset))) {
          throw new DataError(`checkpoint ${String(args['checkpoint'])}: the committed position of ${path} was not written by source file --follow (${JSON.stringify(p)}); use the same options as before or another --checkpoint DIR`);
        }
        return p;
      };
      await Promise.all(targets.map((path) => followFile(path, driver, { ...o, start: start(path) }, settle, onStop)));
      return;
    }
    // Positions are tracked always (batches carry them); with --checkpoint, reading
    // resumes at them. Every file is checked before anything is read, and every
    // committed position is carried on, also while an earlier file is read.
    const tracks = targets.map((path) => fileTracking(path, resume, String(args['checkpoint']), io.warn));
    sameFileTwice(targets, tracks, args['checkpoint'] !== undefined);
    for (const track of tracks) if (track.resumed) driver.setPosition(track.key!, track.at(track.startOffset));
    for (const [i, path] of targets.entries()) {
      if (io.stop.reason) break;
      const track = tracks[i]!;
      // 64 KB reads: the lines of one read are alive together, so smaller reads keep memory low (and were no slower).
      const stream = createReadStream(path, { highWaterMark: 1 << 16, start: track.startOffset });
      await pumpStream(stream, driver.openInput(path, track), settle, onStop).catch((err: NodeJS.ErrnoException) => {
        if (err instanceof DataError) throw err;
        throw new DataError(`cannot read ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
      });
    }
  },
};

/** With --checkpoint each file has one position: a file named twice (`a ./a`) cannot be told apart. */
function sameFileTwice(targets: string[], tracks: InputTracking[], checkpoint: boolean): void {
  if (!checkpoint) return;
  const seen = new Map<string | undefined, string>();
  tracks.forEach((t, i) => {
    const before = seen.get(t.key);
    if (before !== undefined) throw new UsageError(`source file: ${before} and ${targets[i]} are the same file; with --checkpoint each file may be named once`);
    seen.set(t.key, targets[i]!);
  });
}
