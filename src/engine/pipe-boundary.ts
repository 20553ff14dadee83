import { asPipeValue } from './codec.js';
import type { Control } from './control.js';
import type { ErrorPolicy } from './error-policy.js';
import type { KeepsByFields, ReadsFields, RecordFilter, TakesCheckedLines, TakesLines, TakesTextValues } from './fast/fields-read.js';
import { fastPathsOn } from './fast/switch.js';
import type { Downstream } from './stream.js';

/**
 * What sits between two stages of `sluice run`: hands the next stage exactly
 * what it would read from a pipe (see asPipeValue), so results do not depend
 * on running in one process. A record that cannot be written as JSON is the
 * same bad record ("cannot serialise output record") as in the pipe.
 * Records that carry their JSON text were read from it and pass unchanged.
 */
export class PipeBoundary implements Downstream, ReadsFields, TakesLines, TakesTextValues, TakesCheckedLines, KeepsByFields {
  /** The next stage's own line reader, as its stage runner would use it on a line from the pipe. */
  readonly takeLine?: (line: string) => boolean;
  readonly takeTextValue?: (s: string) => boolean;
  readonly takeTextRange?: (s: string, from: number, to: number) => boolean;
  readonly takeTextPieces?: TakesTextValues['takeTextPieces'];
  /** Lines the stage before checked, taken by their fields (see TakesCheckedLines). */
  readonly checkedFields?: readonly string[];
  readonly takeChecked?: TakesCheckedLines['takeChecked'];
  /** The next stage as a filter, for a filter before it to fold (KeepsByFields): it reads the lines that cross here as the pipe carries them. */
  readonly keeps?: RecordFilter;

  constructor(
    private readonly next: Downstream,
    private readonly errors: ErrorPolicy,
  ) {
    // Strings are the same on both sides of a pipe: the next stage's string paths stay in use.
    const n = next as Downstream & TakesTextValues & TakesLines & TakesCheckedLines & KeepsByFields;
    if (fastPathsOn() && n.keeps) this.keeps = n.keeps;
    if (fastPathsOn() && n.takeLine) this.takeLine = n.takeLine.bind(n);
    if (fastPathsOn() && n.takeChecked && n.checkedFields) {
      this.checkedFields = n.checkedFields;
      this.takeChecked = n.takeChecked.bind(n);
    }
    if (n.takeTextValue) this.takeTextValue = n.takeTextValue.bind(n);
    if (n.takeTextRange) this.takeTextRange = n.takeTextRange.bind(n);
    if (n.takeTextPieces) this.takeTextPieces = n.takeTextPieces.bind(n);
  }

  get readsFields(): readonly string[] | undefined {
    return (this.next as ReadsFields).readsFields;
  }

  get ignoresRaw(): boolean {
    return (this.next as { ignoresRaw?: boolean }).ignoresRaw === true;
  }

  data(record: unknown, raw: string | undefined): void {
    if (raw !== undefined) {
      if (!this.takeLine?.(raw)) this.next.data(record, raw);
      return;
    }
    let value: unknown;
    try {
      value = asPipeValue(record);
    } catch (err) {
      this.errors.bad(`cannot serialise output record: ${(err as Error).message}`);
      return;
    }
    this.next.data(value, undefined);
  }

  control(c: Control): void | Promise<void> {
    return this.next.control(c);
  }
}
