import { watch, type FSWatcher } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { lazyBuiltin } from '../../engine/lazy-builtin.js';
import { basename, dirname, join } from 'node:path';
import type { OptionSpec } from '../../spec.js';
import type { Clock } from '../../engine/clock.js';
import { parseDuration } from '../../engine/duration.js';
import { DataError } from '../../engine/errors.js';
import type { InputHandle, InputTracking, SourceDriver } from '../../engine/source-driver.js';

const fsp = lazyBuiltin('node:fs/promises');

const READ_BYTES = 1 << 20;
const LF = 10;
const SEEN_BYTES = 64;

/** Where a followed file has been read to: the byte just past its last complete line. */
export interface FollowPosition {
  /** Inode of the file the offset belongs to (a rotated file has a new one). */
  ino: number;
  offset: number;
  /** How long the file was when last looked at (what a loss report can say was unread). */
  size?: number;
}

export interface FollowOptions {
  /** Fallback poll interval, ms; fs.watch events wake the reader sooner. */
  pollMs: number;
  clock: Clock;
  warn(line: string): void;
  /**
   * Resume here (a checkpoint). When the path names another file now (rotated
   * while nothing ran), the file with inode `ino` is looked for in the same
   * directory and finished first; when it is gone, the loss is reported.
   */
  start?: Partial<FollowPosition> & { offset: number };
  /** The key of this file's position in batch boundaries (default: the path). */
  key?: string;
  /** Told after every chunk how far the complete lines reach (for checkpoint positions). */
  onProgress?(position: FollowPosition): void;
}

/** --poll: declared once, listed by both kinds that poll (file --follow and dir). */
export const pollOption: OptionSpec = { name: 'poll', type: 'string', placeholder: 'DURATION', kind: 'duration', default: '250ms', describe: 'file --follow, dir: how often to look for new data when no change notification arrives' };

export const followOptions: OptionSpec[] = [
  { name: 'follow', alias: 'F', type: 'boolean', default: false, describe: 'file: keep reading as the file grows, like tail -F: survives rotation by rename and truncation (as with tail -F, lines written between the last read and a copytruncate are lost); a live input, batched by --batch' },
  pollOption,
];

export function followPollMs(args: Record<string, unknown>): number {
  return parseDuration(String(args['poll']), '--poll');
}

interface Open {
  fh: FileHandle;
  ino: number;
  dev: number;
  /** Next byte to read. */
  offset: number;
  /** The file's size at the last look. */
  size: number;
  /** Just past the last LF pushed. */
  complete: number;
  input: InputHandle;
  /** The last bytes read (up to SEEN_BYTES), to notice a file truncated and rewritten to the same size. */
  seen: Buffer;
}

/**
 * Follows one file like `tail -F`. Reads to the end, then waits for a change
 * (fs.watch on the directory, or the poll interval). When the path names a new
 * file (rename + create), the old file is read to its end first, its final line
 * closed, and reading continues at byte 0 of the new one. When the file becomes
 * shorter than what was read (truncation), reading starts again at 0 and a line
 * held unfinished is dropped. A line is emitted only once its newline arrived.
 * Backpressure: no read while downstream is full. Runs until stopped.
 */
export async function followFile(
  path: string,
  driver: SourceDriver,
  o: FollowOptions,
  settle: () => Promise<void>,
  onStop: (listener: () => void) => void,
): Promise<void> {
  let stopped = false;
  let wake: (() => void) | undefined;
  onStop(() => {
    stopped = true;
    wake?.();
  });
  const watcher = watchName(path, () => wake?.());
  const pause = () =>
    new Promise<void>((resolve) => {
      const timer = o.clock.setTimer(o.pollMs, () => done());
      const done = () => {
        timer.cancel();
        wake = undefined;
        resolve();
      };
      wake = done;
    });

  const key = o.key ?? path;
  let cur: Open | undefined;
  let start = o.start;
  let warned = false;
  try {
    if (start?.ino !== undefined && (await fsp().stat(path).catch(() => undefined))?.ino !== start.ino) {
      // Rotated while nothing ran: the rest of the file read before comes first, as for a live rotation.
      const finished = await finishRotated(path, key, { ino: start.ino, offset: start.offset, size: start.size }, driver, o, settle, () => stopped);
      if (!finished) return;
      start = undefined;
    }
    while (!stopped) {
      if (!cur) {
        cur = await openAt(path, key, driver, start).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw new DataError(`cannot follow ${path}: ${err.message}`);
          return undefined;
        });
        start = undefined;
        if (!cur) {
          if (!warned) o.warn(`sluice source: ${path}: no such file (yet); waiting for it to appear`);
          warned = true;
          await pause();
          continue;
        }
        warned = false;
      }
      if (await wasTruncated(cur)) {
        o.warn(`sluice source: ${path}: file truncated; reading it again from the start`);
        cur.input = driver.openInput(path, exactPositions(key, cur, 0));
        cur.offset = 0;
        cur.complete = 0;
        cur.seen = Buffer.alloc(0);
        o.onProgress?.({ ino: cur.ino, offset: 0 });
      }
      const grew = await readToEnd(cur, settle, o, () => stopped);
      if (stopped) break;
      const now = await fsp().stat(path).catch(() => undefined);
      if (now && (now.ino !== cur.ino || now.dev !== cur.dev)) {
        // Rotated: whatever the writer put into the old file before the new one
        // appeared is read first; the old file's last line is complete now.
        await readToEnd(cur, settle, o, () => stopped);
        if (stopped) break;
        cur.input.end();
        await cur.fh.close();
        cur = undefined;
        continue;
      }
      if (!grew) await pause();
    }
  } finally {
    watcher?.close();
    await cur?.fh.close().catch(() => undefined);
  }
}

async function openAt(path: string, key: string, driver: SourceDriver, start?: FollowOptions['start']): Promise<Open> {
  const fh = await fsp().open(path, 'r');
  const st = await fh.stat();
  let offset = start?.offset ?? 0;
  if ((start?.ino !== undefined && start.ino !== st.ino) || offset > st.size) offset = 0;
  return opened(fh, path, key, driver, st, offset);
}

function opened(fh: FileHandle, name: string, key: string, driver: SourceDriver, st: { ino: number; dev: number; size: number }, offset: number): Open {
  const cur: Omit<Open, 'input'> = { fh, ino: st.ino, dev: st.dev, offset, size: st.size, complete: offset, seen: Buffer.alloc(0) };
  return Object.assign(cur, { input: driver.openInput(name, exactPositions(key, cur, offset)) });
}

/**
 * A restart found the followed path naming another file than the committed
 * position's: the file of that inode is looked for among the files of the
 * directory (`app.log.1`, moved by the rotation) and read from the committed
 * offset to its end, its last line closed; then the files rotated after it
 * (rotated more than once while nothing ran), oldest first. When it is not
 * there any more the loss is reported. False when stopped before the end.
 */
async function finishRotated(
  path: string,
  key: string,
  from: FollowPosition,
  driver: SourceDriver,
  o: FollowOptions,
  settle: () => Promise<void>,
  stopped: () => boolean,
): Promise<boolean> {
  const found = await findByInode(dirname(path), from.ino);
  if (!found) {
    const unread = from.size !== undefined && from.size > from.offset ? `at least ${from.size - from.offset} bytes after byte ${from.offset} were` : `anything written to it after byte ${from.offset} was`;
    o.warn(`sluice source: ${path}: the file it named before (inode ${from.ino}) was rotated away and is no longer in ${dirname(path)}: ${unread} never read`);
    return true;
  }
  const later = await rotatedAfter(path, found);
  o.warn(`sluice source: ${path} was rotated while stopped; reading the rest of ${[found.path, ...later.map((f) => f.path)].join(', then ')} first (from byte ${from.offset})`);
  for (const [i, file] of [found, ...later].entries()) {
    if (!(await readRotated(file, i === 0 ? from.offset : 0, key, driver, o, settle, stopped))) return false;
  }
  return true;
}

interface Rotated {
  path: string;
  ino: number;
  mtimeMs: number;
}

/** Reads one rotated file from `offset` to its end and closes its last line; false when stopped first. */
async function readRotated(file: Rotated, offset: number, key: string, driver: SourceDriver, o: FollowOptions, settle: () => Promise<void>, stopped: () => boolean): Promise<boolean> {
  const fh = await fsp().open(file.path, 'r').catch(() => undefined);
  if (!fh) return true;
  try {
    const st = await fh.stat();
    if (st.ino !== file.ino || st.size < offset) return true; // replaced again meanwhile: nothing of it can be found
    const rotated = opened(fh, file.path, key, driver, st, offset);
    await readToEnd(rotated, settle, o, stopped);
    if (stopped()) {
      rotated.input.stop();
      return false;
    }
    rotated.input.end();
    return true;
  } finally {
    await fh.close();
  }
}

const COMPRESSED = /\.(gz|bz2|xz|zst|lz4|z|zip)$/i;

/**
 * Files rotated after `first`: named like the followed file plus a suffix
 * (app.log.2, app.log-20260101), not compressed, not the file the path names
 * now, modified no earlier than `first`; oldest first.
 */
async function rotatedAfter(path: string, first: Rotated): Promise<Rotated[]> {
  const dir = dirname(path);
  const base = basename(path);
  const current = (await fsp().stat(path).catch(() => undefined))?.ino;
  const found: Rotated[] = [];
  for (const name of await fsp().readdir(dir).catch(() => [] as string[])) {
    if (name === base || !name.startsWith(base) || COMPRESSED.test(name)) continue;
    const st = await fsp().stat(join(dir, name)).catch(() => undefined);
    if (!st?.isFile() || st.ino === first.ino || st.ino === current || st.mtimeMs < first.mtimeMs) continue;
    found.push({ path: join(dir, name), ino: st.ino, mtimeMs: st.mtimeMs });
  }
  return found.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.path < b.path ? -1 : 1));
}

/** The file with inode `ino` in `dir`, if any. */
async function findByInode(dir: string, ino: number): Promise<Rotated | undefined> {
  for (const name of await fsp().readdir(dir).catch(() => [] as string[])) {
    const st = await fsp().stat(join(dir, name)).catch(() => undefined);
    if (st?.isFile() && st.ino === ino) return { path: join(dir, name), ino, mtimeMs: st.mtimeMs };
  }
  return undefined;
}

/** Reads what the file holds beyond the offset; true when anything was read. */
async function readToEnd(cur: Open, settle: () => Promise<void>, o: FollowOptions, stopped: () => boolean): Promise<boolean> {
  let any = false;
  for (;;) {
    if (stopped()) return any;
    const size = (await cur.fh.stat()).size;
    cur.size = size;
    if (size <= cur.offset) return any;
    const buf = Buffer.allocUnsafe(Math.min(READ_BYTES, size - cur.offset));
    const { bytesRead } = await cur.fh.read(buf, 0, buf.length, cur.offset);
    if (bytesRead === 0) return any;
    const chunk = buf.subarray(0, bytesRead);
    cur.input.push(chunk);
    const lastLf = chunk.lastIndexOf(LF);
    if (lastLf >= 0) cur.complete = cur.offset + lastLf + 1;
    cur.offset += bytesRead;
    cur.seen = Buffer.concat([cur.seen, chunk.subarray(Math.max(0, chunk.length - SEEN_BYTES))]);
    cur.seen = cur.seen.subarray(Math.max(0, cur.seen.length - SEEN_BYTES));
    any = true;
    o.onProgress?.({ ino: cur.ino, offset: cur.complete });
    await settle();
  }
}

/**
 * True when the file is shorter than what was read, or when the bytes just
 * before the offset changed (truncated and rewritten past the offset before
 * this reader looked: size alone cannot tell).
 */
async function wasTruncated(cur: Open): Promise<boolean> {
  if (cur.offset === 0) return false;
  if ((await cur.fh.stat()).size < cur.offset) return true;
  if (cur.seen.length === 0) return false;
  const now = Buffer.alloc(cur.seen.length);
  const { bytesRead } = await cur.fh.read(now, 0, now.length, cur.offset - cur.seen.length);
  return bytesRead < now.length || !now.equals(cur.seen);
}

/** Change notifications for one name, via its directory (renames replace the file's inode). */
function watchName(path: string, onChange: () => void): FSWatcher | undefined {
  const name = basename(path);
  try {
    const w = watch(dirname(path), { persistent: false }, (_event, file) => {
      if (file === null || file === name) onChange();
    });
    w.on('error', () => undefined);
    return w;
  } catch {
    return undefined; // e.g. no inotify watches left: the poll interval still works
  }
}

/** Batch boundaries carry {ino, offset, size} just past the last line of the batch, exact to the line (--checkpoint). */
function exactPositions(key: string, cur: { ino: number; size: number }, startOffset: number): InputTracking {
  return { startOffset, key, at: (offset): FollowPosition => ({ ino: cur.ino, offset, size: cur.size }) };
}
