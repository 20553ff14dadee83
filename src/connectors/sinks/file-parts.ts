import { closeSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fsyncDir } from '../../engine/checkpoint/atomic-write.js';
import { DataError } from '../../engine/errors.js';

/**
 * Where a committing file sink writes, and how it cuts its output back to a
 * commit. `output` values are stored in the sink's commit files.
 *   single:  PATH is one file; output {length}
 *   bytes:   PATH/part-<seq>.ndjson, appended, a new part once one reaches --roll-bytes; output {part, length}
 *   batch:   PATH/part-<batch>.ndjson, one per batch that has records, created whole (temp + rename); output {part}
 * Records that arrive after the last batch boundary (what stages flush at end of
 * input) are written durably but not committed: in single and bytes mode after
 * the committed length, in batch mode as PATH/tail.ndjson. A restart removes them.
 */
export type RollMode = 'single' | 'bytes' | 'batch';

export interface PartOutput {
  mode: RollMode;
  part?: number;
  length?: number;
}

export interface PartWriter {
  write(text: string): void;
  /** Makes everything written durable and returns what restores exactly this point. */
  durable(batch: number): PartOutput;
  /** End of stream: makes uncommitted trailing records durable. */
  finishTail(): void;
  close(): void;
}

const PART = /^part-(\d+)\.ndjson$/;
export const TAIL_NAME = 'tail.ndjson';

export function partName(n: number): string {
  return `part-${String(n).padStart(10, '0')}.ndjson`;
}

function parts(dir: string): number[] {
  return readdirSync(dir)
    .map((name) => PART.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

/** Opens `path` for appending after cutting it to `length` bytes (a commit point). */
function openAt(path: string, length: number): number {
  const fd = openSync(path, 'a+');
  const size = fstatSync(fd).size;
  if (size < length) {
    closeSync(fd);
    throw new DataError(`${path} holds ${size} bytes, fewer than the ${length} committed: it was changed outside sluice; refusing to continue`);
  }
  if (size > length) {
    ftruncateSync(fd, length);
    fsyncSync(fd);
  }
  return fd;
}

/** The point a fresh checkpoint starts from: what is in PATH before sluice wrote anything. */
export function originOf(mode: RollMode, path: string): PartOutput {
  if (mode === 'single') return { mode, length: fileSize(path) };
  mkdirSync(path, { recursive: true });
  const found = parts(path);
  if (found.length > 0 || readdirSync(path).includes(TAIL_NAME)) {
    throw new DataError(`${path} already holds part files that no commit in the checkpoint records; give the sink an empty directory`);
  }
  return mode === 'bytes' ? { mode, part: 0, length: 0 } : { mode };
}

/** Cuts the output back to `at` and returns a writer that continues from there. */
export function openParts(path: string, at: PartOutput, rollBytes: number | undefined): PartWriter {
  return at.mode === 'batch' ? new BatchParts(path, at) : new AppendParts(path, at, rollBytes);
}

class AppendParts implements PartWriter {
  private fd: number;
  private part: number;
  private length: number;
  private newPart = false;

  constructor(
    private readonly path: string,
    at: PartOutput,
    private readonly rollBytes: number | undefined,
  ) {
    this.part = at.part ?? 0;
    this.length = at.length ?? 0;
    if (at.mode === 'bytes') {
      mkdirSync(path, { recursive: true });
      for (const n of parts(path)) if (n > this.part) removeFile(join(path, partName(n)));
    }
    this.fd = openAt(this.file(), this.length);
  }

  private file(): string {
    return this.rollBytes === undefined ? this.path : join(this.path, partName(this.part));
  }

  write(text: string): void {
    const bytes = Buffer.from(text);
    const limit = this.rollBytes;
    if (limit === undefined || this.length + bytes.length <= limit) {
      this.append(bytes, 0, bytes.length);
      return;
    }
    // Line by line: a part takes whole lines up to the limit (one line more than the limit gets a part of its own).
    let from = 0;
    while (from < bytes.length) {
      let to = from;
      while (to < bytes.length) {
        const nl = bytes.indexOf(10, to);
        const next = nl === -1 ? bytes.length : nl + 1;
        if (this.length + (next - from) > limit && (to > from || this.length > 0)) break;
        to = next;
      }
      if (to === from) this.roll();
      else {
        this.append(bytes, from, to);
        from = to;
      }
    }
  }

  private append(bytes: Buffer, from: number, to: number): void {
    for (let done = from; done < to; ) done += writeSync(this.fd, bytes, done, to - done);
    this.length += to - from;
  }

  private roll(): void {
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.part++;
    this.length = 0;
    this.fd = openSync(this.file(), 'w');
    this.newPart = true;
  }

  durable(): PartOutput {
    fsyncSync(this.fd);
    if (this.newPart) {
      fsyncDir(this.path);
      this.newPart = false;
    }
    return this.rollBytes === undefined ? { mode: 'single', length: this.length } : { mode: 'bytes', part: this.part, length: this.length };
  }

  finishTail(): void {
    this.durable();
  }

  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
  }
}

class BatchParts implements PartWriter {
  private fd = -1;
  private readonly temp: string;
  private written = false;
  private last: number | undefined;

  constructor(
    private readonly path: string,
    at: PartOutput,
  ) {
    mkdirSync(path, { recursive: true });
    this.last = at.part;
    const committed = at.part ?? -1;
    for (const n of parts(path)) if (n > committed) removeFile(join(path, partName(n)));
    removeFile(join(path, TAIL_NAME));
    this.temp = join(path, `.writing-${process.pid}.ndjson`);
    for (const name of readdirSync(path)) if (name.startsWith('.writing-')) removeFile(join(path, name));
  }

  write(text: string): void {
    if (this.fd < 0) this.fd = openSync(this.temp, 'w');
    const bytes = Buffer.from(text);
    for (let done = 0; done < bytes.length; ) done += writeSync(this.fd, bytes, done);
    this.written = true;
  }

  /** Moves what was written into `name`, durably. */
  private publish(name: string): boolean {
    if (!this.written) return false;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
    this.written = false;
    renameSync(this.temp, join(this.path, name));
    fsyncDir(this.path);
    return true;
  }

  durable(batch: number): PartOutput {
    if (this.publish(partName(batch))) this.last = batch;
    return this.last === undefined ? { mode: 'batch' } : { mode: 'batch', part: this.last };
  }

  finishTail(): void {
    this.publish(TAIL_NAME);
  }

  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
    removeFile(this.temp);
  }
}
