import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { resolve } from 'node:path';
import { DataError, UsageError } from '../../engine/errors.js';
import type { InputHandle, InputTracking } from '../../engine/source-driver.js';
import type { SourceKind, SourceRun } from '../kinds.js';
import { followFile, followOptions, followPollMs, type FollowPosition } from './follow.js';
import { committedPosition, fileTracking } from './file-position.js';
import type { Positions } from '../../engine/control.js';
import { pumpStream, reportUnframed } from './read-stream.js';
import { fileStream } from '../../engine/file-stream.js';

export const fileSource: SourceKind = {
  name: 'file',
  describe:
    'file PATH...: the files, one after another, like cat (- is standard input; after -- every word is a PATH); bounded, so one batch unless --max-records-per-batch cuts it. Pipes, FIFOs, <(cmd) and /dev/stdin are read as streams, without positions, and make the input live (batched by --batch) as for stdin. With --follow, like tail -F: a live input that survives rotation (and truncation, but lines written between the last read and a copytruncate are lost, as with tail -F)',
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
  // Like source stdin: a pipe is a live input, batched by --batch; only regular files make one bounded batch.
  bounded: (args, targets) => !args['follow'] && targets.every((path) => streamKind(path) === undefined),
  // The newest file's modification time stamps the batch, so a rerun over unchanged files prints the same windows.
  boundedAt: (_args, targets) => {
    let newest: number | undefined;
    for (const path of targets) {
      try {
        const t = statSync(path).mtimeMs;
        newest = newest === undefined ? t : Math.max(newest, t);
      } catch {
        // A missing file is reported when it is read.
      }
    }
    return newest === undefined ? undefined : Math.floor(newest);
  },
  replay: { owns: (positions, args, targets) => targets.some((path) => (args['follow'] ? followedPosition(positions, path) : committedPosition(positions, path)) !== undefined) },
  run: (run) => (run.args['follow'] ? followFiles(run) : readFiles(run)),
};

/** A followed file's committed position: it is a name, keyed by its absolute path (or, in older checkpoints, as written). */
function followedPosition(resume: Positions, path: string): unknown {
  return resume[resolve(path)] ?? resume[path];
}

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
      stream = fileStream(path, track.startOffset);
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

/**
 * --follow: every file followed at once, like tail -F. A followed file is a
 * name (its inode changes at every rotation): its position is keyed by the
 * absolute path, so `app.log` and `./app.log` resume the same position.
 */
async function followFiles({ driver, args, targets, io, settle, onStop, resume }: SourceRun): Promise<void> {
  const o = { pollMs: followPollMs(args), clock: io.clock, warn: io.warn };
  const committed = (path: string): FollowPosition | undefined => {
    const p = resume && followedPosition(resume, path);
    if (p !== undefined && (typeof p !== 'object' || p === null || typeof (p as FollowPosition).ino !== 'number' || !Number.isSafeInteger((p as FollowPosition).offset))) {
      throw new DataError(`checkpoint ${String(args['checkpoint'])}: the committed position of ${path} was not written by source file --follow (${JSON.stringify(p)}); use the same options as before or another --checkpoint DIR`);
    }
    return p as FollowPosition | undefined;
  };
  // With --checkpoint: continue at the committed {ino, offset}, carried on until the file is read.
  for (const path of targets) {
    const p = committed(path);
    if (p !== undefined) driver.setPosition(resolve(path), p);
  }
  await Promise.all(targets.map((path) => followFile(path, driver, { ...o, start: committed(path), key: resolve(path) }, settle, onStop)));
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
