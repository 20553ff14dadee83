import type { Control } from './control.js';

/**
 * What every operator and sink receives. Operators are chained in one process
 * (`sluice run`) or sit between a line reader and an NDJSON writer (one stage
 * per process); either way they see the same calls.
 */
export interface Downstream {
  /**
   * One data record. `raw` is its exact JSON text when the record is known to be
   * unchanged since it was read, so a writer can forward it without re-serialising.
   */
  data(record: unknown, raw: string | undefined): void;
  /** A control record. Operators forward what they do not consume, in order. A returned promise pauses input. */
  control(c: Control): void | Promise<void>;
}

/**
 * A sink that holds output it has not delivered yet (a Kafka producer waiting
 * for acknowledgements): the stage reads no more input while pressure()
 * returns a promise. Wrappers around a downstream forward it.
 */
export interface HoldsOutput {
  pressure?(): Promise<void> | undefined;
}

/** Where a record came from, for diagnostics: `<input>:<line>`. */
export interface Position {
  input: string;
  line: number;
  raw: string;
}

/** Shared, mutable "current record" position, updated by the reader before each record. */
export class PositionTracker implements Position {
  input = 'stdin';
  line = 0;
  raw = '';
  /**
   * In a sluice stream, the record's number among the stream's data records
   * (control lines not counted): the line of the source's input when the
   * source read every line as a record. Undefined for plain NDJSON input.
   */
  record: number | undefined;
  where(): string {
    return this.record === undefined ? `${this.input}:${this.line}` : `${this.input}:${this.line} (record ${this.record} of the stream)`;
  }
}
