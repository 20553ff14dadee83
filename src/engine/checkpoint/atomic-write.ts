import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** fsync on a directory makes a rename or unlink in it durable. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes bytes to a file and fsyncs it before closing. */
export function writeDurable(path: string, data: string | Buffer, flags = 'w'): void {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const fd = openSync(path, flags);
  try {
    for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces `path` with `data` so that a crash at any moment leaves either the old
 * file or the new one, never a mix: temp file, fsync, rename, fsync directory.
 */
export function writeFileAtomic(path: string, data: string | Buffer): void {
  const temp = join(dirname(path), `.tmp-${process.pid}-${basename(path)}`);
  try {
    writeDurable(temp, data, 'wx');
    renameSync(temp, path);
  } catch (err) {
    try {
      unlinkSync(temp);
    } catch {
      /* never created */
    }
    throw err;
  }
  fsyncDir(dirname(path));
}
