import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { isoTime, type Clock } from '../../engine/clock.js';
import type { Control, ControlOf } from '../../engine/control.js';
import { DataError } from '../../engine/errors.js';
import type { Downstream } from '../../engine/stream.js';

/** Batches are spilled to a temp file past this many buffered characters, so memory stays bounded. */
const SPILL_AT = 1 << 20;
const MAX_BACKOFF_MS = 30_000;

export interface ExecSinkOptions {
  /** The program and its arguments, exactly as given after `--`; never passed through a shell. */
  argv: string[];
  /** Run once per batch, or once per distinct `window` of a batch (closed windows). */
  per: 'batch' | 'window';
  retries: number;
  /** First retry waits this long; each further retry twice as long (capped at 30 s). */
  backoffMs: number;
  clock: Clock;
  /** Where the command's stdout goes (the stage's stdout). */
  stdout: Writable;
  warn(line: string): void;
  /** A record that cannot be serialised, or that has no window under --per window. */
  bad(what: string): void;
}

/** One run's input: NDJSON lines, in memory until large, then in a temp file. */
class BatchBuffer {
  text = '';
  records = 0;
  private fd = -1;
  private path: string | undefined;

  constructor(private readonly tempRoot: () => string) {}

  add(line: string): void {
    this.text += line + '\n';
    this.records++;
    if (this.text.length >= SPILL_AT) this.spill();
  }

  get spilled(): boolean {
    return this.fd >= 0;
  }

  /** The file holding the whole input, created on demand. */
  file(): string {
    this.spill();
    return this.path!;
  }

  private spill(): void {
    if (this.fd < 0) {
      this.path = join(this.tempRoot(), `batch-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.ndjson`);
      this.fd = openSync(this.path, 'wx', 0o600);
    }
    if (this.text.length > 0) writeSync(this.fd, this.text);
    this.text = '';
  }

  dispose(): void {
    if (this.fd >= 0) closeSync(this.fd);
    if (this.path) rmSync(this.path, { force: true });
    this.fd = -1;
    this.path = undefined;
  }
}

/**
 * Spark's foreachBatch as a Unix command: each batch that has rows (or each
 * window of it, with per 'window') runs the command once with its records on
 * stdin as NDJSON. The command is spawned from argv with no shell, so nothing
 * in the data can become code; batch id and time range arrive as SLUICE_*
 * environment variables. A non-zero exit is retried with backoff; when retries
 * run out the batch fails and control() rejects, so the stage stops with exit 1.
 *
 * The durable point: control(batch) resolves only after every run for that
 * batch exited 0. Whatever commits the batch (a checkpoint) must wait for it.
 */
export class ExecSink implements Downstream {
  private groups = new Map<string, { window?: unknown; buffer: BatchBuffer }>();
  private tempRoot: string | undefined;
  runs = 0;

  constructor(private readonly o: ExecSinkOptions) {}

  data(record: unknown, raw: string | undefined): void {
    let line = raw;
    if (line === undefined) {
      try {
        line = JSON.stringify(record === undefined ? null : record);
      } catch (err) {
        this.o.bad(`cannot serialise record: ${(err as Error).message}`);
        return;
      }
    }
    let groupKey = '';
    let window: unknown;
    if (this.o.per === 'window') {
      window = record !== null && typeof record === 'object' ? (record as { window?: unknown }).window : undefined;
      if (window === undefined || window === null) {
        this.o.bad('--per window needs records with a window field (put window or reduce-by-key with a window before this sink)');
        return;
      }
      groupKey = JSON.stringify(window);
    }
    let group = this.groups.get(groupKey);
    if (!group) {
      group = { window, buffer: new BatchBuffer(() => (this.tempRoot ??= mkdtempSync(join(tmpdir(), 'sluice-exec-')))) };
      this.groups.set(groupKey, group);
    }
    group.buffer.add(line);
  }

  async control(c: Control): Promise<void> {
    if (c.type !== 'batch') return;
    const groups = [...this.groups.values()];
    this.groups = new Map();
    try {
      for (const g of groups) await this.runWithRetries(c, g.buffer, g.window);
    } finally {
      for (const g of groups) g.buffer.dispose();
    }
  }

  close(): void {
    for (const g of this.groups.values()) g.buffer.dispose();
    this.groups = new Map();
    if (this.tempRoot) rmSync(this.tempRoot, { recursive: true, force: true });
  }

  private async runWithRetries(batch: ControlOf<'batch'>, input: BatchBuffer, window: unknown): Promise<void> {
    const what = `batch ${batch.id}${window === undefined ? '' : ` window ${JSON.stringify(window)}`}`;
    for (let attempt = 0; ; attempt++) {
      const problem = await this.runOnce(batch, input, window);
      this.runs++;
      if (problem === undefined) return;
      // A missing or non-executable program will not appear by waiting.
      const hopeless = problem.startsWith('cannot run');
      if (attempt >= this.o.retries || hopeless) {
        throw new DataError(
          `exec: ${what} (${input.records} record${input.records === 1 ? '' : 's'}): ${this.o.argv[0]} ${problem}; ${attempt === 0 ? 'not retried' : `gave up after ${attempt} retr${attempt === 1 ? 'y' : 'ies'}`} (--retries); the batch was not done`,
        );
      }
      const wait = Math.min(this.o.backoffMs * 2 ** attempt, MAX_BACKOFF_MS);
      this.o.warn(`sluice sink: exec: ${what}: ${this.o.argv[0]} ${problem}; retry ${attempt + 1} of ${this.o.retries} in ${wait} ms`);
      await new Promise<void>((resolve) => this.o.clock.setTimer(wait, resolve));
    }
  }

  /** Runs the command once; resolves to undefined on exit 0, else to what went wrong. */
  private runOnce(batch: ControlOf<'batch'>, input: BatchBuffer, window: unknown): Promise<string | undefined> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      SLUICE_BATCH_ID: String(batch.id),
      SLUICE_BATCH_START: isoTime(batch.start),
      SLUICE_BATCH_END: isoTime(batch.end),
      SLUICE_BATCH_START_MS: String(batch.start),
      SLUICE_BATCH_END_MS: String(batch.end),
      SLUICE_RECORDS: String(input.records),
    };
    const w = window as { start?: unknown; end?: unknown } | undefined;
    if (w && typeof w === 'object') {
      env['SLUICE_WINDOW_START'] = String(w.start);
      env['SLUICE_WINDOW_END'] = String(w.end);
    }
    return new Promise((resolve) => {
      let stdinFd = -1;
      // A spilled batch is the child's stdin file directly; a small one is piped.
      const spilled = input.spilled;
      if (spilled) stdinFd = openSync(input.file(), 'r');
      const [cmd, ...cmdArgs] = this.o.argv as [string, ...string[]];
      const child = spawn(cmd, cmdArgs, { shell: false, env, stdio: [spilled ? stdinFd : 'pipe', 'pipe', 'inherit'] });
      const done = (problem: string | undefined) => {
        if (stdinFd >= 0) closeSync(stdinFd);
        stdinFd = -1;
        resolve(problem);
      };
      let spawnError: string | undefined;
      child.on('error', (err: NodeJS.ErrnoException) => {
        spawnError = err.code === 'ENOENT' ? 'not found' : err.code === 'EACCES' ? 'not executable' : err.message;
      });
      child.stdout?.on('data', (chunk: Buffer) => {
        if (!this.o.stdout.write(chunk)) {
          child.stdout?.pause();
          this.o.stdout.once('drain', () => child.stdout?.resume());
        }
      });
      if (!spilled && child.stdin) {
        // A command that does not read its input (EPIPE) is not a failure in itself: its exit status decides.
        child.stdin.on('error', () => undefined);
        child.stdin.end(input.text);
      }
      child.on('close', (code, signal) => {
        if (spawnError) done(`cannot run: ${spawnError}`);
        else if (signal) done(`was killed by ${signal}`);
        else if (code !== 0) done(`exited with status ${code}`);
        else done(undefined);
      });
    });
  }
}
