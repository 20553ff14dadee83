import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import type { Control } from '../../engine/control.js';
import type { Downstream } from '../../engine/stream.js';

const FLUSH_AT = 256 * 1024;

/** Appends records as NDJSON to a file; flushed at every batch boundary and fsynced at the end. */
export class AppendFileSink implements Downstream {
  private fd: number;
  private buffer = '';
  recordsOut = 0;

  constructor(
    readonly path: string,
    private readonly onUnserialisable: (err: Error) => void,
  ) {
    this.fd = openSync(path, 'a');
  }

  data(record: unknown, raw: string | undefined): void {
    let line = raw;
    if (line === undefined) {
      try {
        line = JSON.stringify(record);
      } catch (err) {
        this.onUnserialisable(err as Error);
        return;
      }
    }
    this.buffer += line + '\n';
    this.recordsOut++;
    if (this.buffer.length >= FLUSH_AT) this.flush();
  }

  control(c: Control): void {
    if (c.type === 'batch') this.flush();
    if (c.type === 'eos') this.close();
  }

  flush(): void {
    if (this.buffer.length === 0) return;
    writeSync(this.fd, this.buffer);
    this.buffer = '';
  }

  close(): void {
    if (this.fd < 0) return;
    this.flush();
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
  }
}
