import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import type { Control } from '../../engine/control.js';
import type { Downstream } from '../../engine/stream.js';
import { LineBuffer } from './line-buffer.js';

/**
 * A file whose last line has no newline (its writer was killed mid-write) gets
 * one before anything is appended, so the next record is not glued to the torn
 * line and stays readable.
 */
function endTornLine(fd: number): void {
  const size = fstatSync(fd).size;
  if (size === 0) return;
  const last = Buffer.alloc(1);
  if (readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== 0x0a) writeSync(fd, '\n');
}

/** Appends records as NDJSON to a file; flushed at every batch boundary and fsynced at the end. */
export class AppendFileSink implements Downstream {
  private fd: number;
  private readonly lines: LineBuffer;

  constructor(
    readonly path: string,
    onUnserialisable: (err: Error) => void,
  ) {
    this.fd = openSync(path, 'a+');
    endTornLine(this.fd);
    this.lines = new LineBuffer((text) => writeSync(this.fd, text), onUnserialisable);
  }

  get recordsOut(): number {
    return this.lines.recordsOut;
  }

  data(record: unknown, raw: string | undefined): void {
    this.lines.add(record, raw);
  }

  control(c: Control): void {
    if (c.type === 'batch') this.flush();
    if (c.type === 'eos') this.close();
  }

  flush(): void {
    this.lines.flush();
  }

  close(): void {
    if (this.fd < 0) return;
    this.flush();
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
  }
}
