import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import type { Control } from '../../engine/control.js';
import type { Downstream } from '../../engine/stream.js';
import { LineBuffer } from './line-buffer.js';

/** Appends records as NDJSON to a file; flushed at every batch boundary and fsynced at the end. */
export class AppendFileSink implements Downstream {
  private fd: number;
  private readonly lines: LineBuffer;

  constructor(
    readonly path: string,
    onUnserialisable: (err: Error) => void,
  ) {
    this.fd = openSync(path, 'a');
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
