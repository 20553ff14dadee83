import { closeSync, constants, fsyncSync, lstatSync, mkdirSync, openSync, realpathSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Args } from '../../spec.js';
import { compilePath, isRecordObject } from '../../engine/codec.js';
import type { Control } from '../../engine/control.js';
import type { StageContext } from '../../engine/context.js';
import { DataError, UsageError } from '../../engine/errors.js';
import type { Downstream } from '../../engine/stream.js';
import type { SinkInstance } from '../kinds.js';
import { encodeSegment, partitionDirName } from './partition-name.js';

/** File each partition directory holds; records are appended to it. */
export const PART_FILE = 'part.ndjson';
/** Text buffered over all partitions before it is written out. */
const FLUSH_AT = 1024 * 1024;
/** Partition files kept open at once; the least recently used one is closed beyond this. */
const MAX_OPEN = 64;

/**
 * `sink file DIR --partition-by FIELD`: each record is appended to
 * DIR/FIELD=<encoded value>/part.ndjson (see partition-name.ts), flushed at
 * every batch boundary. Writes never leave DIR: names are single encoded path
 * components, a partition directory that is not a plain directory (a symlink)
 * is refused, and the part file is opened with O_NOFOLLOW.
 */
export class PartitionedFileSink implements Downstream {
  private readonly root: string;
  private readonly get: (r: unknown) => unknown;
  private pending = new Map<string, string>();
  private pendingChars = 0;
  /** Open part files by directory name, least recently used first. */
  private readonly open = new Map<string, number>();
  recordsOut = 0;

  constructor(
    root: string,
    private readonly field: string,
    private readonly bad: (what: string) => void,
  ) {
    mkdirSync(root, { recursive: true });
    this.root = realpathSync(root);
    this.get = compilePath(field);
  }

  data(record: unknown, raw: string | undefined): void {
    if (!isRecordObject(record)) return this.bad(`record is ${JSON.stringify(record)}, not an object; cannot read partition field '${this.field}'`);
    const value = this.get(record);
    if (value === undefined) return this.bad(`no partition field '${this.field}'`);
    let line = raw;
    if (line === undefined) {
      try {
        line = JSON.stringify(record);
      } catch (err) {
        return this.bad(`cannot serialise record: ${(err as Error).message}`);
      }
    }
    const name = partitionDirName(this.field, value);
    this.pending.set(name, (this.pending.get(name) ?? '') + line + '\n');
    this.pendingChars += line.length + 1;
    this.recordsOut++;
    if (this.pendingChars >= FLUSH_AT) this.flush();
  }

  control(c: Control): void {
    if (c.type === 'batch') this.flush();
    if (c.type === 'eos') this.close();
  }

  flush(): void {
    const pending = this.pending;
    this.pending = new Map();
    this.pendingChars = 0;
    for (const [name, text] of pending) writeSync(this.fileFor(name), text);
  }

  close(): void {
    this.flush();
    for (const name of [...this.open.keys()]) this.closeFile(name);
  }

  private fileFor(name: string): number {
    const known = this.open.get(name);
    if (known !== undefined) {
      this.open.delete(name);
      this.open.set(name, known);
      return known;
    }
    // partitionDirName never yields these; checked again because a slip here would write outside the root.
    if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
      throw new DataError(`partition directory name ${JSON.stringify(name)} is not a single path component`);
    }
    const dir = join(this.root, name);
    try {
      mkdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (!lstatSync(dir).isDirectory()) throw new DataError(`${dir} exists and is not a plain directory (a symlink?); refusing to write through it`);
    let fd: number;
    try {
      fd = openSync(join(dir, PART_FILE), constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o666);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new DataError(`${join(dir, PART_FILE)} is a symlink; refusing to write through it`);
      throw err;
    }
    this.open.set(name, fd);
    if (this.open.size > MAX_OPEN) this.closeFile(this.open.keys().next().value as string);
    return fd;
  }

  private closeFile(name: string): void {
    const fd = this.open.get(name);
    if (fd === undefined) return;
    this.open.delete(name);
    fsyncSync(fd);
    closeSync(fd);
  }
}

/** The `--partition-by` branch of `sink file`: checks the combination, builds the sink. */
export function partitionedFileSink(dir: string, args: Args, ctx: StageContext): SinkInstance {
  const field = String(args['partition-by']);
  if (field === '') throw new UsageError('--partition-by needs a FIELD');
  if (Buffer.byteLength(encodeSegment(field)) > 100) throw new UsageError(`--partition-by '${field.slice(0, 40)}...' is too long for a directory name (100 bytes at most, encoded)`);
  if (ctx.checkpoint) throw new UsageError('--partition-by does not combine with --checkpoint (the committing file sink commits a single path; per-partition commits are not built)');
  if (args['roll'] !== undefined || args['roll-bytes'] !== undefined) throw new UsageError('--partition-by writes one part file per partition; --roll and --roll-bytes do not apply');
  const sink = new PartitionedFileSink(dir, field, (what) => ctx.errors.bad(what));
  return { downstream: sink, close: () => sink.close() };
}
