import { appendFileSync } from 'node:fs';
import { DataError, diagnostic, snippet } from './errors.js';
import { UsageError } from './errors.js';
import type { PositionTracker } from './stream.js';

export type OnError = { kind: 'fail' } | { kind: 'skip' } | { kind: 'dead-letter'; file: string };

export function parseOnError(text: string): OnError {
  if (text === 'fail' || text === 'skip') return { kind: text };
  const m = /^dead-letter=(.+)$/.exec(text);
  if (m) return { kind: 'dead-letter', file: m[1]! };
  throw new UsageError(`--on-error '${text}' must be fail, skip or dead-letter=FILE`);
}

const MAX_WARNINGS = 20;

/**
 * Applies --on-error to a bad record: fail throws a DataError (the stage stops,
 * exit 1), skip warns on stderr and counts, dead-letter also appends the raw line
 * to a file. Nothing is dropped without a trace.
 */
export class ErrorPolicy {
  count = 0;
  private deadLetters: string[] = [];

  constructor(
    readonly command: string,
    readonly policy: OnError,
    private readonly position: PositionTracker,
    private readonly warn: (line: string) => void,
  ) {}

  /** Reports a bad record at the current position. */
  bad(what: string): void {
    this.badAt(this.position.where(), this.position.raw, what);
  }

  badAt(where: string, raw: string, what: string): void {
    if (this.policy.kind === 'fail') {
      throw new DataError(`${what} (line: ${snippet(raw)})`, where);
    }
    this.count++;
    if (this.count <= MAX_WARNINGS) {
      const action = this.policy.kind === 'skip' ? 'skipped' : `written to ${this.policy.file}`;
      this.warn(diagnostic(this.command, where, `${what}; ${action} (line: ${snippet(raw)})`));
    } else if (this.count === MAX_WARNINGS + 1) {
      this.warn(diagnostic(this.command, undefined, `more bad records; further warnings suppressed, a total is given at the end`));
    }
    if (this.policy.kind === 'dead-letter') {
      this.deadLetters.push(raw);
      if (this.deadLetters.length >= 1000) this.flush();
    }
  }

  flush(): void {
    if (this.policy.kind !== 'dead-letter' || this.deadLetters.length === 0) return;
    appendFileSync(this.policy.file, this.deadLetters.join('\n') + '\n');
    this.deadLetters = [];
  }

  /** Final summary line, when anything was bad. */
  summary(): string | undefined {
    this.flush();
    if (this.count === 0) return undefined;
    const action = this.policy.kind === 'skip' ? 'skipped' : `written to ${this.policy.kind === 'dead-letter' ? this.policy.file : ''}`;
    return diagnostic(this.command, undefined, `${this.count} bad record${this.count === 1 ? '' : 's'} ${action}`);
  }
}
