import { DataError } from '../errors.js';

export interface StateLimitOptions {
  /** Most state rows (groups, buffered records) held at once; 0 = no limit. */
  maxKeys: number;
  /** Most estimated bytes of state held at once; 0 = no limit. */
  maxBytes: number;
}

/**
 * Default --max-state-bytes: well below the V8 heap of a default Node.js process
 * (about 2-4 GB), since the estimate counts data, not every V8 header.
 */
export const DEFAULT_MAX_STATE_BYTES = 512 * 1024 * 1024;

/** Rough size of a JSON-like value in memory, for the state budget. Cheap for primitives. */
export function approxBytes(value: unknown, depth = 0): number {
  switch (typeof value) {
    case 'string':
      return 16 + value.length * 2;
    case 'number':
    case 'boolean':
    case 'undefined':
      return 8;
    case 'object': {
      if (value === null) return 8;
      if (depth > 20) return 64;
      let n = 32;
      if (Array.isArray(value)) for (const v of value) n += 8 + approxBytes(v, depth + 1);
      else for (const k in value) n += 16 + k.length * 2 + approxBytes((value as Record<string, unknown>)[k], depth + 1);
      return n;
    }
    default:
      return 16;
  }
}

/**
 * The state budget of one stateful operator. Exceeding a limit is a clear error
 * (the stage stops with exit 1 naming the limit), never an out-of-memory crash.
 */
export class StateBudget {
  rows = 0;
  bytes = 0;

  constructor(
    private readonly limits: StateLimitOptions,
    /** What a row is, for the message: "keys", "buffered records". */
    private readonly rowName: string,
  ) {}

  add(rows: number, bytes: number): void {
    this.rows += rows;
    this.bytes += bytes;
    if (this.limits.maxKeys > 0 && this.rows > this.limits.maxKeys) {
      throw new DataError(`state limit reached: more than --max-keys ${this.limits.maxKeys} ${this.rowName} held in state; raise --max-keys, use a shorter window or a watermark so closed windows are evicted`);
    }
    if (this.limits.maxBytes > 0 && this.bytes > this.limits.maxBytes) {
      throw new DataError(`state limit reached: state would exceed --max-state-bytes ${this.limits.maxBytes} (about ${this.bytes} bytes in ${this.rows} ${this.rowName}); raise --max-state-bytes, use a shorter window or a watermark so closed windows are evicted`);
    }
  }

  remove(rows: number, bytes: number): void {
    this.rows -= rows;
    this.bytes -= bytes;
  }

  reset(): void {
    this.rows = 0;
    this.bytes = 0;
  }
}
