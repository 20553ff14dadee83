import { watch } from 'node:fs';
import { lazyBuiltin } from '../../engine/lazy-builtin.js';
import { join, resolve } from 'node:path';
import { DataError, UsageError } from '../../engine/errors.js';
import type { InputTracking, SourceDriver } from '../../engine/source-driver.js';
import type { SourceKind, SourceRun } from '../kinds.js';
import { globToRegExp, isDirPosition, listCandidates, type DirPosition } from './dir-files.js';
import { followPollMs, pollOption } from './follow.js';

const fsp = lazyBuiltin('node:fs/promises');

const READ_BYTES = 1 << 20;

export const dirSource: SourceKind = {
  name: 'dir',
  describe:
    "dir PATH: each new file in directory PATH, read once, like Spark's textFileStream; a live input. Files must appear whole: write them elsewhere (or as .name, _name, name.tmp, which are ignored) and rename them in. Files already there at start are read too unless --new-only. New files are read in order of modification time, then name. With --checkpoint the files read are part of every batch's positions, so a restarted pipeline neither misses nor repeats one",
  options: [
    { name: 'pattern', type: 'string', placeholder: 'GLOB', describe: "dir: only files whose name matches GLOB (*, ?, [...]), e.g. '*.log'" },
    { name: 'new-only', type: 'boolean', default: false, describe: 'dir: skip the files already in the directory at the first start' },
    pollOption,
  ],
  validate(args, targets) {
    if (targets.length !== 1) throw new UsageError('source dir needs exactly one directory PATH');
    if (args['pattern'] !== undefined) globToRegExp(String(args['pattern']));
  },
  bounded: () => false,
  replay: { owns: (positions, _args, targets) => positions[dirPositionKey(targets[0]!)] !== undefined },
  run: (run) => watchDirectory(run),
};

/** The key of a directory in batch positions. */
export function dirPositionKey(dir: string): string {
  return `dir:${resolve(dir)}`;
}

/** Where a restarted source resumes: this directory's part of the sink's last committed positions. */
function resumedPosition(run: SourceRun, key: string): DirPosition | undefined {
  const p = run.resume?.[key];
  if (p === undefined) return undefined;
  if (!isDirPosition(p)) throw new DataError(`checkpoint: the position of ${key} is not a directory position: ${JSON.stringify(p)}`);
  return p;
}

async function watchDirectory(run: SourceRun): Promise<void> {
  const { driver, args, targets, io, settle, onStop } = run;
  const dir = targets[0]!;
  const key = dirPositionKey(dir);
  const pattern = args['pattern'] === undefined ? undefined : globToRegExp(String(args['pattern']));
  const pollMs = followPollMs(args);
  const st = await fsp().stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) throw new DataError(`source dir: ${dir} is not a directory`);

  let stopped = false;
  let wake: (() => void) | undefined;
  onStop(() => {
    stopped = true;
    wake?.();
  });
  let changed = false;
  const watcher = (() => {
    try {
      return watch(dir, { persistent: false }, () => {
        changed = true;
        wake?.();
      }).on('error', () => undefined);
    } catch {
      return undefined; // the poll interval still works
    }
  })();

  const resumed = resumedPosition(run, key);
  const done = new Set(resumed?.done ?? []);
  let reading = resumed?.reading;
  if (!resumed && args['new-only']) for (const c of await listCandidates(dir, pattern)) done.add(c.name);
  const publish = () => driver.setPosition(key, reading ? { done: [...done], reading } : { done: [...done] });
  publish();

  try {
    while (!stopped) {
      changed = false;
      const candidates = await listCandidates(dir, pattern);
      const present = new Set(candidates.map((c) => c.name));
      // A file that left the directory can never be read again; forgetting it keeps positions small.
      for (const name of done) if (!present.has(name)) done.delete(name);
      const todo = candidates.map((c) => c.name).filter((n) => !done.has(n) && n !== reading?.file);
      // The file a restarted source was in the middle of comes first, once.
      if (reading) {
        if (present.has(reading.file)) todo.unshift(reading.file);
        else reading = undefined;
      }
      for (const name of todo) {
        if (stopped) break;
        const from = reading?.file === name ? reading.offset : 0;
        reading = { file: name, offset: from };
        // Every line read moves the position to just past it, so a batch cut anywhere (even inside one read) carries exactly its records.
        const doneBefore = [...done];
        const track: InputTracking = { startOffset: from, key, at: (offset): DirPosition => ({ done: doneBefore, reading: { file: name, offset } }) };
        const finished = await readFile(join(dir, name), driver, track, settle, () => stopped);
        if (!finished) break;
        done.add(name);
        reading = undefined;
        publish();
      }
      if (stopped) break;
      if (!changed) {
        await new Promise<void>((resolveWait) => {
          const timer = io.clock.setTimer(pollMs, () => finish());
          const finish = () => {
            timer.cancel();
            wake = undefined;
            resolveWait();
          };
          wake = finish;
        });
      }
    }
  } finally {
    watcher?.close();
  }
}

/**
 * Reads one whole file from track.startOffset (a line boundary) into its own
 * input. Returns false when stopped before the end (the file is then not done,
 * and its unfinished last line is not emitted).
 */
async function readFile(
  path: string,
  driver: SourceDriver,
  track: InputTracking,
  settle: () => Promise<void>,
  stopped: () => boolean,
): Promise<boolean> {
  let fh;
  try {
    fh = await fsp().open(path, 'r');
  } catch (err) {
    // Gone between listing and opening: it was never read, so nothing is lost.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw new DataError(`source dir: cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    const input = driver.openInput(path, track);
    const size = (await fh.stat()).size;
    let offset = track.startOffset;
    for (;;) {
      if (stopped()) {
        input.stop();
        return false;
      }
      const buf = Buffer.allocUnsafe(Math.max(1, Math.min(READ_BYTES, size - offset)));
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      if (bytesRead === 0) break;
      input.push(buf.subarray(0, bytesRead));
      offset += bytesRead;
      await settle();
    }
    input.end();
    return true;
  } finally {
    await fh.close();
  }
}
