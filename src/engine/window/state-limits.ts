import { DataError } from '../errors.js';

export interface StateLimitOptions {
  /** Most state rows (groups, buffered records) held at once; 0 = no limit. */
  maxKeys: number;
  /** Most estimated bytes of state held at once; 0 = no limit. */
  maxBytes: number;
  /**
   * Totals shared by the operators of several threads (--parallel N): two
   * BigInt64 counters (rows, bytes), so the limits bound the sum, not each one.
   */
  shared?: SharedArrayBuffer;
}

/** The buffer for StateLimitOptions.shared. */
export function sharedStateTotals(): SharedArrayBuffer {
  return new SharedArrayBuffer(2 * BigInt64Array.BYTES_PER_ELEMENT);
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
  private readonly totals: BigInt64Array | undefined;

  constructor(
    private readonly limits: StateLimitOptions,
    /** What a row is, for the message: "keys", "buffered records". */
    private readonly rowName: string,
  ) {
    if (limits.shared) this.totals = new BigInt64Array(limits.shared);
  }

  add(rows: number, bytes: number): void {
    this.rows += rows;
    this.bytes += bytes;
    let totalRows = this.rows;
    let totalBytes = this.bytes;
    if (this.totals) {
      totalRows = Number(Atomics.add(this.totals, 0, BigInt(rows))) + rows;
      totalBytes = Number(Atomics.add(this.totals, 1, BigInt(Math.round(bytes)))) + bytes;
    }
    const across = this.totals ? ' across all --parallel workers' : '';
    if (this.limits.maxKeys > 0 && totalRows > this.limits.maxKeys) {
      throw new DataError(`state limit reached: more than --max-keys ${this.limits.maxKeys} ${this.rowName} held in state${across}; raise --max-keys, use a shorter window or a watermark so closed windows are evicted`);
    }
    if (this.limits.maxBytes > 0 && totalBytes > this.limits.maxBytes) {
      throw new DataError(`state limit reached: state would exceed --max-state-bytes ${this.limits.maxBytes}${across} (about ${totalBytes} bytes in ${totalRows} ${this.rowName}); raise --max-state-bytes, use a shorter window or a watermark so closed windows are evicted`);
    }
  }

  remove(rows: number, bytes: number): void {
    this.rows -= rows;
    this.bytes -= bytes;
    if (this.totals) {
      Atomics.sub(this.totals, 0, BigInt(rows));
      Atomics.sub(this.totals, 1, BigInt(Math.round(bytes)));
    }
  }

  reset(): void {
    this.remove(this.rows, this.bytes);
  }
}
