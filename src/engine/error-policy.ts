import { appendFileSync } from 'node:fs';
import { DataError, diagnostic, snippet } from './errors.js';
import { UsageError } from './errors.js';
import { visible } from './terminal/visible.js';
import type { PositionTracker } from './stream.js';

/** What the views of one policy (ErrorPolicy.forStage) count together. */
interface Tally {
  count: number;
  deadLetters: string[];
  /** Lines per input in which invalid UTF-8 was replaced with U+FFFD: counted, not bad. */
  replacedUtf8: Map<string, number>;
}

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
  private readonly tally: Tally;

  constructor(
    readonly command: string,
    readonly policy: OnError,
    private readonly position: PositionTracker,
    private readonly warn: (line: string) => void,
    shared?: ErrorPolicy,
  ) {
    this.tally = shared?.tally ?? { count: 0, deadLetters: [], replacedUtf8: new Map() };
  }

  /**
   * The same policy, counts and dead letters, reporting as another stage:
   * a `sluice run` stage without its own --on-error names itself in what it reports.
   */
  forStage(command: string): ErrorPolicy {
    return new ErrorPolicy(command, this.policy, this.position, this.warn, this);
  }

  get count(): number {
    return this.tally.count;
  }

  set count(n: number) {
    this.tally.count = n;
  }

  private get deadLetters(): string[] {
    return this.tally.deadLetters;
  }

  private get replacedUtf8(): Map<string, number> {
    return this.tally.replacedUtf8;
  }

  /** Reports a bad record at the current position. */
  bad(what: string): void {
    this.badAt(this.position.where(), this.position.raw, what);
  }

  badAt(where: string, raw: string, message: string): void {
    // Oversize and undecodable lines have no text to show. Data in a message (the line, a parser's quote of it) is shown escaped.
    const what = visible(message);
    const shown = raw === '' ? '' : ` (line: ${visible(snippet(raw))})`;
    if (this.policy.kind === 'fail') {
      throw new DataError(`${what}${shown}`, where, this.command);
    }
    this.count++;
    if (this.count <= MAX_WARNINGS) {
      const action = this.policy.kind === 'skip' ? 'skipped' : `written to ${this.policy.file}`;
      this.warn(diagnostic(this.command, where, `${what}; ${action}${shown}`));
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
    this.tally.deadLetters = [];
  }

  /** Counts lines of `input` whose invalid UTF-8 was replaced with U+FFFD. */
  replacedUtf8Lines(input: string, lines: number): void {
    if (lines > 0) this.replacedUtf8.set(input, (this.replacedUtf8.get(input) ?? 0) + lines);
  }

  /** Final summary, one diagnostic per line, when anything was bad or replaced. */
  summary(): string | undefined {
    this.flush();
    const lines: string[] = [];
    for (const [input, n] of this.replacedUtf8) {
      lines.push(diagnostic(this.command, input, `${n} line${n === 1 ? '' : 's'} with invalid UTF-8; the bytes were replaced with U+FFFD (--strict-utf8 makes them bad records)`));
    }
    if (this.count > 0) {
      const action = this.policy.kind === 'skip' ? 'skipped' : `written to ${this.policy.kind === 'dead-letter' ? this.policy.file : ''}`;
      lines.push(diagnostic(this.command, undefined, `${this.count} bad record${this.count === 1 ? '' : 's'} ${action}`));
    }
    return lines.length > 0 ? lines.join('\n') : undefined;
  }
}
