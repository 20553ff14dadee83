import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { DataError, UsageError } from '../../engine/errors.js';
import type { InputHandle, InputTracking } from '../../engine/source-driver.js';
import type { SourceKind, SourceRun } from '../kinds.js';
import { followFile, followOptions, followPollMs, type FollowPosition } from './follow.js';
import { fileTracking } from './file-position.js';
import { pumpStream, reportUnframed } from './read-stream.js';

export const fileSource: SourceKind = {
  name: 'file',
  describe:
    'file PATH...: the files, one after another, like cat (- is standard input; after -- every word is a PATH); bounded, so one batch unless --max-records-per-batch cuts it. Pipes, FIFOs, <(cmd) and /dev/stdin are read as streams, without positions. With --follow, like tail -F: a live input that survives rotation (and truncation, but lines written between the last read and a copytruncate are lost, as with tail -F)',
  options: [...followOptions],
  validate(args, targets) {
    if (targets.length === 0) throw new UsageError('source file needs at least one PATH');
    for (const path of targets) {
      const what = streamKind(path);
      if (what === 'a directory') throw new UsageError(`${path} is a directory; read the files of a directory with source dir`);
      if (what === undefined) continue;
      if (args['follow']) throw new UsageError(`--follow: ${path} is ${what}; --follow needs regular files`);
      if (args['checkpoint'] !== undefined) {
        throw new UsageError(`${path} is ${what}, which cannot be read again: no position can be kept for it, so --checkpoint cannot resume it (save it to a file first, or drop --checkpoint)`);
      }
    }
  },
  bounded: (args) => !args['follow'],
  replayable: () => true,
  run: (run) => (run.args['follow'] ? followFiles(run) : readFiles(run)),
};

/** What a target is when it is not a regular file read with positions; undefined for a regular (or missing) file. */
function streamKind(path: string): string | undefined {
  if (path === '-') return 'standard input';
  let st;
  try {
    st = statSync(path);
  } catch {
    return undefined; // a missing file is reported when it is read
  }
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a pipe';
  if (st.isSocket()) return 'a socket';
  return 'a device';
}

/**
 * The files one after another. Regular files carry positions (batches carry
 * them always; with --checkpoint, reading resumes at them). Every file is
 * checked before anything is read, and every committed position is carried
 * on, also while an earlier file is read. Standard input and pipes are streams.
 */
async function readFiles({ driver, args, targets, io, settle, onStop, resume }: SourceRun): Promise<void> {
  const tracks = targets.map((path) => (streamKind(path) === undefined ? fileTracking(path, resume, String(args['checkpoint']), io.warn) : undefined));
  sameFileTwice(targets, tracks, args['checkpoint'] !== undefined);
  for (const track of tracks) if (track?.resumed) driver.setPosition(track.key!, track.at(track.startOffset));
  for (const [i, path] of targets.entries()) {
    if (io.stop.reason) break;
    const track = tracks[i];
    let stream: Readable;
    let input: InputHandle;
    let unframed: ((bytes: number) => void) | undefined;
    if (track) {
      // 64 KB reads: the lines of one read are alive together, so smaller reads keep memory low (and were no slower).
      stream = createReadStream(path, { highWaterMark: 1 << 16, start: track.startOffset });
      input = driver.openInput(path, track);
    } else {
      const name = path === '-' ? 'stdin' : path;
      stream = path === '-' ? io.stdin : createReadStream(path, { highWaterMark: 1 << 16 });
      input = driver.openInput(name);
      unframed = reportUnframed(name, io);
    }
    await pumpStream(stream, input, settle, onStop, unframed).catch((err: NodeJS.ErrnoException) => {
      if (err instanceof DataError) throw err;
      throw new DataError(`cannot read ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
    });
  }
}

/** --follow: every file followed at once, like tail -F. */
async function followFiles({ driver, args, targets, io, settle, onStop, resume }: SourceRun): Promise<void> {
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
}

/** With --checkpoint each file has one position: a file named twice (`a ./a`) cannot be told apart. */
function sameFileTwice(targets: string[], tracks: (InputTracking | undefined)[], checkpoint: boolean): void {
  if (!checkpoint) return;
  const seen = new Map<string, string>();
  tracks.forEach((t, i) => {
    if (t?.key === undefined) return;
    const before = seen.get(t.key);
    if (before !== undefined) throw new UsageError(`${before} and ${targets[i]} are the same file; with --checkpoint each file may be named once`);
    seen.set(t.key, targets[i]!);
  });
}
