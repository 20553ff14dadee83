import type { Writable } from 'node:stream';
import { isoTime } from '../../engine/clock.js';
import { lazyBuiltin } from '../../engine/lazy-builtin.js';
import type { Control } from '../../engine/control.js';
import type { Downstream } from '../../engine/stream.js';
import { cutToWidth, displayWidth, padToWidth, visible } from '../../engine/terminal/visible.js';

const crypto = lazyBuiltin('node:crypto');

export interface ConsoleStyle {
  header(text: string): string;
  dim(text: string): string;
}

export const plainStyle: ConsoleStyle = { header: (t) => t, dim: (t) => t };

type Row = Record<string, unknown>;

/** Spark's console sink frames each batch with a rule of 43 dashes. */
const BATCH_RULE = '-'.repeat(43);

/** A cell's text as shown: strings as they are, everything else as JSON, control characters escaped, cut at `truncate` columns (0: never). */
function cell(value: unknown, truncate: number): string {
  const text = visible(typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value));
  return truncate > 0 ? cutToWidth(text, truncate) : text;
}

/**
 * Rows as Spark's Dataset.show() draws them: `+---+` rules, `|a|b|` lines,
 * columns at least 3 wide, cells right-aligned when truncating (left-aligned
 * with truncate 0), and "only showing top N rows" under a longer table.
 */
export function renderTable(rows: Row[], maxRows: number, truncate: number): string[] {
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) for (const k of Object.keys(row)) if (!seen.has(k)) (seen.add(k), columns.push(k));
  const shown = rows.slice(0, maxRows);
  const head = columns.map((c) => cell(c, truncate));
  const cells = shown.map((row) => columns.map((c) => cell(row[c], truncate)));
  const widths = head.map((h, i) => Math.max(3, displayWidth(h), ...cells.map((r) => displayWidth(r[i]!))));
  const align = truncate > 0 ? 'right' : 'left';
  const rule = '+' + widths.map((w) => '-'.repeat(w)).join('+') + '+';
  const line = (values: string[]) => '|' + values.map((v, i) => padToWidth(v, widths[i]!, align)).join('|') + '|';
  const out = [rule, line(head), rule, ...cells.map(line), rule];
  if (rows.length > maxRows) out.push(`only showing top ${maxRows} row${maxRows === 1 ? '' : 's'}`);
  return out;
}

function windowOf(row: Row): { start: unknown; end: unknown } | undefined {
  const w = row['window'];
  return w !== null && typeof w === 'object' && !Array.isArray(w) ? (w as { start: unknown; end: unknown }) : undefined;
}

/**
 * The window every row shares when it ends at the batch's end: a per-batch
 * result (the batch's own range) or running totals (from the stream's start).
 * Shown once above the table instead of as a column that changes every batch.
 */
function sharedBatchWindow(rows: Row[], batchEnd: string): { start: string; end: string } | undefined {
  const first = windowOf(rows[0]!);
  if (!first || first.end !== batchEnd || typeof first.start !== 'string') return undefined;
  const same = rows.every((r) => {
    const w = windowOf(r);
    return w !== undefined && w.start === first.start && w.end === first.end;
  });
  return same ? { start: first.start, end: batchEnd } : undefined;
}

export interface ConsoleOptions {
  /** Most rows per table (Spark's numRows). */
  maxRows: number;
  /** Cut cells at this many columns; 0: never (Spark's truncate). */
  truncate: number;
}

/**
 * Spark's console sink: each batch that has rows is printed as
 * `-----` / `Batch: N` / `-----` and a table, N counting the batches printed
 * (0, 1, 2...), with the time range on a dim line under `Batch: N`. An
 * aggregation result equal to the last one printed (complete mode with no new
 * input) is not printed again. Control records are consumed.
 */
export class ConsoleSink implements Downstream {
  private rows: Row[] = [];
  private printed = 0;
  private lastResult: string | undefined;

  constructor(
    private readonly out: Writable,
    private readonly style: ConsoleStyle,
    private readonly o: ConsoleOptions,
  ) {}

  data(record: unknown): void {
    this.rows.push(record !== null && typeof record === 'object' && !Array.isArray(record) ? (record as Row) : { value: record });
  }

  control(c: Control): void {
    if (c.type !== 'batch' || this.rows.length === 0) return;
    const rows = this.rows;
    this.rows = [];
    const batchEnd = isoTime(c.end);
    const shared = sharedBatchWindow(rows, batchEnd);
    if (this.unchanged(rows, batchEnd)) return;
    const table = shared ? rows.map(({ window: _w, ...rest }) => rest) : rows;
    const range = shared ?? { start: isoTime(c.start), end: batchEnd };
    const lines = [
      BATCH_RULE,
      this.style.header(`Batch: ${this.printed++}`),
      this.style.dim(`${range.start} .. ${range.end}  (batch id ${c.id}, ${rows.length} row${rows.length === 1 ? '' : 's'})`),
      BATCH_RULE,
      ...renderTable(table, this.o.maxRows, this.o.truncate).map((l, i) => (i === 1 ? this.style.header(l) : l)),
      '',
    ];
    this.out.write(lines.join('\n') + '\n');
  }

  /**
   * True when the rows are an aggregation result (every row has a window) equal
   * to the last one printed, a window that merely ends at this batch's end
   * (running totals) not counting as a change. Plain records are always printed.
   */
  private unchanged(rows: Row[], batchEnd: string): boolean {
    if (!rows.every((r) => windowOf(r) !== undefined)) return false;
    const comparable = rows.map((r) => (windowOf(r)!.end === batchEnd ? { ...r, window: { start: windowOf(r)!.start } } : r));
    const result = crypto().createHash('sha1').update(JSON.stringify(comparable)).digest('hex');
    if (result === this.lastResult) return true;
    this.lastResult = result;
    return false;
  }
}
