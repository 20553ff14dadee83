import type { Readable } from 'node:stream';
import type { InputHandle } from '../../engine/source-driver.js';

/**
 * Pumps a byte stream into a source input chunk by chunk, pausing while
 * downstream is full (backpressure reaches the file, pipe or socket).
 * Resolves at end of stream or when stopped.
 */
export function pumpStream(
  stream: Readable,
  input: InputHandle,
  settle: () => Promise<void>,
  onStop: (listener: () => void) => void,
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
      try {
        input.end();
        finish();
      } catch (err) {
        finish(err as Error);
      }
    });
    stream.on('error', finish);
    onStop(() => {
      stream.pause();
      try {
        input.end();
        finish();
      } catch (err) {
        finish(err as Error);
      }
    });
  });
}
