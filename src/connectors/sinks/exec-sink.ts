import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isoTime, type Clock } from '../../engine/clock.js';
import type { Control, ControlOf } from '../../engine/control.js';
import { DataError, StoppedError } from '../../engine/errors.js';
import type { StopSignal } from '../../engine/stop-signal.js';
import type { Downstream } from '../../engine/stream.js';
import { startCommand, type RunningCommand } from './exec-child.js';
import { visible } from '../../engine/terminal/visible.js';

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
  /** Kill a command that runs longer than this (a failed attempt); 0: no limit. */
  timeoutMs: number;
  /** --timeout as the user wrote it, for messages. */
  timeoutText: string;
  clock: Clock;
  /** A signal to the stage stops the running command (SIGTERM to its group, SIGKILL 3 s later) and starts no other. */
  stop: StopSignal;
  /** Where the command's stdout goes (the stage's stdout), once its attempt succeeded. */
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
  private running: RunningCommand | undefined;
  private stoppedBy: string | undefined;
  private wakeFromBackoff: (() => void) | undefined;
  /** A second signal exits the process at once (src/cli.ts): the command must not outlive it. */
  private readonly killOnExit = () => this.running?.killNow();
  runs = 0;

  constructor(private readonly o: ExecSinkOptions) {
    process.on('exit', this.killOnExit);
    o.stop.onStop((reason) => {
      if (reason === 'closed') return;
      this.stoppedBy = reason;
      this.running?.stop(`stopped by ${reason}`);
      this.wakeFromBackoff?.();
    });
  }

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
      group = { window, buffer: new BatchBuffer(() => this.temp()) };
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
    process.off('exit', this.killOnExit);
    for (const g of this.groups.values()) g.buffer.dispose();
    this.groups = new Map();
    if (this.tempRoot) rmSync(this.tempRoot, { recursive: true, force: true });
  }

  private temp(): string {
    return (this.tempRoot ??= mkdtempSync(join(tmpdir(), 'sluice-exec-')));
  }

  private async runWithRetries(batch: ControlOf<'batch'>, input: BatchBuffer, window: unknown): Promise<void> {
    const what = `batch ${batch.id}${window === undefined ? '' : ` window ${visible(JSON.stringify(window))}`}`;
    const records = `${input.records} record${input.records === 1 ? '' : 's'}`;
    for (let attempt = 0; ; attempt++) {
      const problem = await this.runOnce(batch, input, window);
      this.runs++;
      if (problem === undefined) return;
      // A stopped stage neither retries nor runs anything else; its exit status is the signal's.
      if (this.stoppedBy) throw new StoppedError(`exec: ${what} (${records}): ${this.o.argv[0]} ${problem}; the batch was not done`);
      // A missing or non-executable program will not appear by waiting.
      const hopeless = problem.startsWith('cannot run');
      if (attempt >= this.o.retries || hopeless) {
        throw new DataError(
          `exec: ${what} (${records}): ${this.o.argv[0]} ${problem}; ${attempt === 0 ? 'not retried' : `gave up after ${attempt} retr${attempt === 1 ? 'y' : 'ies'}`} (--retries); the batch was not done`,
        );
      }
      const wait = Math.min(this.o.backoffMs * 2 ** attempt, MAX_BACKOFF_MS);
      this.o.warn(`sluice sink: exec: ${what}: ${this.o.argv[0]} ${problem}; retry ${attempt + 1} of ${this.o.retries} in ${wait} ms`);
      await new Promise<void>((resolve) => {
        const timer = this.o.clock.setTimer(wait, resolve);
        this.wakeFromBackoff = () => (timer.cancel(), resolve());
      });
      this.wakeFromBackoff = undefined;
    }
  }

  /** Runs the command once; resolves to undefined on exit 0 (its stdout passed on), else to what went wrong. */
  private async runOnce(batch: ControlOf<'batch'>, input: BatchBuffer, window: unknown): Promise<string | undefined> {
    if (this.stoppedBy) return `not run: the stage was stopped by ${this.stoppedBy}`;
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
    const stdoutFile = join(this.temp(), `out-${process.pid}-${Math.random().toString(36).slice(2)}`);
    try {
      // A spilled batch is the child's stdin file directly; a small one is piped.
      this.running = startCommand(
        { argv: this.o.argv, env, stdin: input.spilled ? { file: input.file() } : { text: input.text }, stdoutFile, timeoutMs: this.o.timeoutMs, setTimer: (ms, fn) => this.o.clock.setTimer(ms, fn) },
        this.o.timeoutText,
      );
      const problem = await this.running.result;
      this.running = undefined;
      if (problem === undefined) await pipeline(createReadStream(stdoutFile), this.o.stdout, { end: false });
      return problem;
    } finally {
      this.running = undefined;
      rmSync(stdoutFile, { force: true });
    }
  }
}
