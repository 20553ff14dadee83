import type { Writable } from 'node:stream';
import { isoTime } from '../../engine/clock.js';
import type { Control } from '../../engine/control.js';
import type { Downstream } from '../../engine/stream.js';

export interface ConsoleStyle {
  header(text: string): string;
  dim(text: string): string;
}

export const plainStyle: ConsoleStyle = { header: (t) => t, dim: (t) => t };

function cell(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  return JSON.stringify(value);
}

/** Renders rows as a boxed text table; numbers right-aligned. */
export function renderTable(rows: Record<string, unknown>[], maxRows: number): string[] {
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) for (const k of Object.keys(row)) if (!seen.has(k)) (seen.add(k), columns.push(k));
  const shown = rows.slice(0, maxRows);
  const cells = shown.map((row) => columns.map((c) => cell(row[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const rule = '+' + widths.map((w) => '-'.repeat(w + 2)).join('+') + '+';
  const line = (values: string[], numeric: boolean[]) =>
    '| ' + values.map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join(' | ') + ' |';
  const numericCol = columns.map((c) => shown.every((r) => typeof r[c] === 'number' || r[c] === undefined || r[c] === null));
  const out = [rule, line(columns, columns.map(() => false)), rule, ...cells.map((r) => line(r, numericCol)), rule];
  if (rows.length > maxRows) out.push(`only the first ${maxRows} of ${rows.length} rows shown (--rows)`);
  return out;
}

/**
 * Spark's console sink: each batch that has rows is printed as a table under a
 * header naming the batch and its time range. Control records are consumed.
 */
export class ConsoleSink implements Downstream {
  private rows: Record<string, unknown>[] = [];

  constructor(
    private readonly out: Writable,
    private readonly style: ConsoleStyle,
    private readonly maxRows: number,
  ) {}

  data(record: unknown): void {
    this.rows.push(record !== null && typeof record === 'object' && !Array.isArray(record) ? (record as Record<string, unknown>) : { value: record });
  }

  control(c: Control): void {
    if (c.type !== 'batch' || this.rows.length === 0) return;
    this.dropBatchWindow(c.start, c.end);
    const title = `Batch ${c.id}  ${isoTime(c.start)} .. ${isoTime(c.end)}  (${this.rows.length} row${this.rows.length === 1 ? '' : 's'})`;
    const lines = [this.style.header(title), ...renderTable(this.rows, this.maxRows).map((l, i) => (i === 1 ? this.style.header(l) : l)), ''];
    this.out.write(lines.join('\n') + '\n');
    this.rows = [];
  }

  /** The header already names the batch's range; a window column repeating it is noise. */
  private dropBatchWindow(start: number, end: number): void {
    const s = isoTime(start);
    const e = isoTime(end);
    const same = this.rows.every((r) => {
      const w = r['window'] as { start?: unknown; end?: unknown } | undefined;
      return w !== undefined && w !== null && w.start === s && w.end === e;
    });
    if (!same) return;
    this.rows = this.rows.map((r) => {
      const { window: _w, ...rest } = r;
      return rest;
    });
  }
}
