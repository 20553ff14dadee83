import { appendFileSync } from 'node:fs';
import { UsageError } from '../errors.js';

/** What happens to a record whose windows the watermark has already closed. */
export type LateSpec = { kind: 'drop' } | { kind: 'emit' } | { kind: 'file'; file: string };

export function parseLate(text: string): LateSpec {
  if (text === 'drop' || text === 'emit') return { kind: text };
  if (text === '') throw new UsageError(`--late needs drop, emit or a FILE name`);
  return { kind: 'file', file: text };
}

/**
 * Counts late records and, for --late FILE, appends their raw lines to FILE
 * (buffered; flushed at every batch boundary and at the end).
 */
export class LateRecords {
  /** Late records since the stage started. */
  total = 0;
  /** Late records since the last batch boundary (for progress). */
  inBatch = 0;
  private lines: string[] = [];

  constructor(readonly spec: LateSpec) {}

  /** Registers one late record. For --late FILE the raw line is kept for the file. */
  add(record: unknown, raw: string | undefined): void {
    this.total++;
    this.inBatch++;
    if (this.spec.kind === 'file') {
      this.lines.push(raw ?? JSON.stringify(record));
      if (this.lines.length >= 1000) this.flush();
    }
  }

  flush(): void {
    if (this.spec.kind !== 'file' || this.lines.length === 0) return;
    appendFileSync(this.spec.file, this.lines.join('\n') + '\n');
    this.lines = [];
  }

  /** Returns the per-batch count and starts the next batch. */
  takeBatchCount(): number {
    const n = this.inBatch;
    this.inBatch = 0;
    return n;
  }

  /** One line for stderr at the end, when anything was late. */
  summary(): string | undefined {
    this.flush();
    if (this.total === 0) return undefined;
    const what = this.total === 1 ? '1 late record (its windows were already closed by the watermark)' : `${this.total} late records (their windows were already closed by the watermark)`;
    switch (this.spec.kind) {
      case 'drop':
        return `${what} dropped`;
      case 'emit':
        return `${what} passed on with "late": true`;
      case 'file':
        return `${what} written to ${this.spec.file}`;
    }
  }
}
