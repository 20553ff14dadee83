import { fstatSync } from 'node:fs';
import net from 'node:net';
import type { Readable } from 'node:stream';
import { fileStream } from './file-stream.js';
import { widenPipe } from './pipe-capacity.js';

const READ_BYTES = 64 * 1024;

/**
 * Standard input for a stage. A pipe or a socket is read into one reused
 * 64 KiB buffer (net.Socket's `onread`) instead of a new Buffer per read: a
 * stage that allocates little per record (reduce-by-key's count lane) runs few
 * garbage collections, and the discarded read buffers, which live outside the
 * JavaScript heap, piled up to tens of MB before one came (docs/PERFORMANCE.md).
 *
 * Each read is emitted as an ordinary 'data' event and the socket pauses until
 * the listener resumes it, so a chunk must be used up before resume(): every
 * reader of io.stdin pauses in its 'data' handler, and LineFramer copies what
 * it keeps. A pipe is widened once a read fills the buffer (pipe-capacity.ts).
 * A regular file (`< file`) is read by fileStream; terminals use
 * process.stdin as it is.
 */
export function openStdin(): Readable {
  const kind = stdinKind();
  if (kind === 'file') return fileStream(0);
  if (kind === 'other') return process.stdin;
  const buffer = Buffer.allocUnsafe(READ_BYTES);
  let widened = kind !== 'pipe';
  const socket: net.Socket = new net.Socket({
    fd: 0,
    readable: true,
    writable: false,
    // Node's own option for stdin: no read until a listener asks, so no chunk is emitted to nobody.
    manualStart: true,
    onread: {
      buffer,
      callback: (bytes: number) => {
        if (bytes === READ_BYTES && !widened) {
          widened = true;
          widenPipe(0);
        }
        socket.emit('data', buffer.subarray(0, bytes));
        return false;
      },
    },
  } as net.SocketConstructorOpts);
  return socket;
}

function stdinKind(): 'file' | 'pipe' | 'socket' | 'other' {
  try {
    const stat = fstatSync(0);
    return stat.isFile() ? 'file' : stat.isFIFO() ? 'pipe' : stat.isSocket() ? 'socket' : 'other';
  } catch {
    return 'other';
  }
}
