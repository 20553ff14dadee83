import type { Control } from '../control.js';
import type { OnError } from '../error-policy.js';
import type { ReduceOptions } from './reduce-by-key.js';

/** reduce-by-key's options as a worker gets them: plain, serialisable data (no command line, no functions). */
export type WorkerReduceOptions = Omit<ReduceOptions, 'progress'>;

/** What a --parallel worker is started with. */
export interface WorkerSetup {
  index: number;
  reduce: WorkerReduceOptions;
  command: string;
  /** For diagnostics: the stage's input name. */
  inputName: string;
  policy: OnError;
  /** Int32 count of data chunks sent to this worker and not yet processed. */
  inFlight: SharedArrayBuffer;
}

export type ToWorker =
  /**
   * Records as their JSON text, newline-separated, UTF-8 in one transferred
   * buffer (no copy per record, no structured clone), with the input line
   * numbers for diagnostics (also transferred).
   */
  | { t: 'data'; text: Uint8Array; lineNos: Float64Array }
  | { t: 'control'; c: Control };

export type FromWorker =
  /** The operator's output for one control record: rows (JSON), each row's key id, the control records it forwarded. */
  | { t: 'out'; rows: string[]; keys: string[]; controls: Control[]; badCount: number }
  | { t: 'warn'; line: string }
  | { t: 'error'; message: string; where?: string };
