import type { Readable } from 'node:stream';
import type { InputHandle } from '../../engine/source-driver.js';

/**
 * Pumps a byte stream into a source input chunk by chunk, pausing while
 * downstream is full (backpressure reaches the file, pipe or socket).
 * Resolves at end of stream or when stopped. A stop ends the input at its
 * last complete line: `stopped` is told how many bytes of an unfinished line
 * were left unframed (a stream that cannot be read again has lost them).
 */
export function pumpStream(
  stream: Readable,
  input: InputHandle,
  settle: () => Promise<void>,
  onStop: (listener: () => void) => void,
  stopped?: (unframedBytes: number) => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      if (err) reject(err);
      else resolve();
    };
    stream.on('data', (chunk: Buffer) => {
      if (done) return;
      try {
        input.push(chunk);
      } catch (err) {
        stream.pause();
        finish(err as Error);
        return;
      }
      stream.pause();
      settle().then(() => {
        if (!done) stream.resume();
      }, finish);
    });
    stream.on('end', () => {
      if (done) return;
      try {
        input.end();
        finish();
      } catch (err) {
        finish(err as Error);
      }
    });
    stream.on('error', finish);
    onStop(() => {
      if (done) return;
      stream.pause();
      const unframed = input.stop();
      finish();
      if (unframed > 0) stopped?.(unframed);
    });
  });
}

/**
 * For an input that cannot be read again (stdin, a socket): says on stderr how
 * many bytes of an unfinished line a signal left unread. Quiet when the reader
 * downstream went away: nothing more is wanted then.
 */
export function reportUnframed(input: string, io: { warn(line: string): void; stop: { reason?: string } }): (bytes: number) => void {
  return (bytes) => {
    if (io.stop.reason !== 'closed') io.warn(`sluice source: ${input}: stopped inside a line; its ${bytes} bytes read so far are not emitted`);
  };
}
