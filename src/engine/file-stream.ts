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
 * sluice's readers pause in their 'data' handler and resume once done with
 * the chunk (LineFramer copies what it keeps; see stdin-reader.ts). So a read
 * waits while the stream is paused, and a chunk handed straight to the
 * handler (flowing, nothing buffered) goes into one reused buffer when the
 * handler paused and resumed since the buffer's last chunk: a new 64 KiB
 * Buffer per read cost page faults and garbage collections of the memory
 * outside the heap. Any other chunk (a reader that never pauses) gets a
 * buffer of its own.
 *
 * `file` is a path (opened at the first read, so a missing file is the
 * stream's error, as with createReadStream) or an open descriptor; `start` is
 * the byte to begin at, or null to read on from the descriptor's own offset
 * (standard input shares it with whoever else reads the file).
 */
export function fileStream(file: string | number, start: number | null = null): Readable {
  let fd = typeof file === 'number' ? file : -1;
  let position = start;
  let reused: Buffer | undefined;
  /** The reused buffer's last chunk went to a 'data' handler that has paused the stream since (so, flowing again, it is done with it). */
  let released = true;
  /** Paused by the reader's pause() (isPaused() also says so of a stream read through 'readable' events, which never resumes it). */
  let paused = false;
  const stream: Readable = new Readable({
    highWaterMark: READ_BYTES,
    read() {
      setImmediate(readChunk);
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
  const readChunk = () => {
    if (stream.destroyed) return;
    if (paused) {
      stream.once('resume', () => setImmediate(readChunk));
      return;
    }
    try {
      if (fd < 0) fd = openSync(file as string, 'r');
      const direct = released && stream.readableFlowing === true && stream.readableLength === 0 && stream.listenerCount('data') > 0;
      const chunk = direct ? (reused ??= Buffer.allocUnsafe(READ_BYTES)) : Buffer.allocUnsafe(READ_BYTES);
      if (direct) released = false;
      const n = readSync(fd, chunk, 0, READ_BYTES, position);
      if (position !== null) position += n;
      stream.push(n === 0 ? null : chunk.subarray(0, n));
    } catch (err) {
      stream.destroy(err as Error);
    }
  };
  stream.on('pause', () => {
    paused = true;
    released = true;
  });
  stream.on('resume', () => (paused = false));
  return stream;
}
