import { closeSync, openSync, readSync } from 'node:fs';
import { Readable } from 'node:stream';

const READ_BYTES = 64 * 1024;

/**
 * A regular file as a stream of 64 KiB chunks, read synchronously, one read
 * per turn of the event loop (setImmediate), so signals and timers are served
 * between reads. fs.createReadStream sends every read through libuv's thread
 * pool; on a file in the page cache that round trip, not the read, was 10-15%
 * of a fast stage's time (idle time in its profile, docs/PERFORMANCE.md).
 *
 * `file` is a path (opened at the first read, so a missing file is the
 * stream's error, as with createReadStream) or an open descriptor; `start` is
 * the byte to begin at, or null to read on from the descriptor's own offset
 * (standard input shares it with whoever else reads the file).
 */
export function fileStream(file: string | number, start: number | null = null): Readable {
  let fd = typeof file === 'number' ? file : -1;
  let position = start;
  return new Readable({
    highWaterMark: READ_BYTES,
    read() {
      setImmediate(() => {
        if (this.destroyed) return;
        try {
          if (fd < 0) fd = openSync(file as string, 'r');
          const chunk = Buffer.allocUnsafe(READ_BYTES);
          const n = readSync(fd, chunk, 0, READ_BYTES, position);
          if (position !== null) position += n;
          this.push(n === 0 ? null : chunk.subarray(0, n));
        } catch (err) {
          this.destroy(err as Error);
        }
      });
    },
    destroy(err, callback) {
      if (typeof file === 'string' && fd >= 0) {
        try {
          closeSync(fd);
        } catch {
          /* already closed */
        }
        fd = -1;
      }
      callback(err);
    },
  });
}
