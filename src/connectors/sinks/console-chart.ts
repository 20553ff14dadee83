import type { Writable } from 'node:stream';
import { isoTime } from '../../engine/clock.js';
import type { Control } from '../../engine/control.js';
import type { Downstream } from '../../engine/stream.js';
import type { ConsoleStyle } from './console-sink.js';
import { cutToWidth, displayWidth, padToWidth, visible } from '../../engine/terminal/visible.js';

type Row = Record<string, unknown>;

/** Aggregate columns as reduce-by-key names them; the first one that is numeric sizes the bars. */
const AGGREGATE_COLUMN = /^(count$|sum_|avg_|min_|max_|first_|last_|reduce$)/;

export interface ChartShape {
  /** Terminal width in columns. */
  columns: number;
  top: number;
  /** Unicode block bars (eighths of a cell), or '#' bars for plain text. */
  blocks: boolean;
}

interface Bar {
  label: string;
  value: number;
}

/** The column that sizes the bars: the first numeric aggregate column, else the last numeric column. */
export function valueColumn(rows: Row[]): string | undefined {
  const numeric: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    for (const k of Object.keys(row)) {
      if (seen.has(k) || k === 'window') continue;
      seen.add(k);
      if (rows.every((r) => r[k] === undefined || r[k] === null || typeof r[k] === 'number')) numeric.push(k);
    }
  }
  return numeric.find((k) => AGGREGATE_COLUMN.test(k)) ?? numeric[numeric.length - 1];
}

/** A row's key: its fields other than the window and the aggregates, as text. */
function label(row: Row): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(row)) {
    if (k === 'window' || AGGREGATE_COLUMN.test(k)) continue;
    parts.push(typeof v === 'string' ? v : JSON.stringify(v ?? null));
  }
  return parts.length === 0 ? '(all)' : visible(parts.join(' '));
}

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

function bar(value: number, max: number, width: number, blocks: boolean): string {
  if (max <= 0 || value <= 0) return '';
  const cells = (value / max) * width;
  if (!blocks) return '#'.repeat(Math.max(1, Math.round(cells)));
  const whole = Math.floor(cells);
  const part = EIGHTHS[Math.floor((cells - whole) * 8)]!;
  return '█'.repeat(whole) + part || '▏';
}

function formatValue(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

/** One chart: the top N bars, largest first, labels and values aligned. */
export function renderBars(rows: Row[], column: string, shape: ChartShape): { lines: string[]; keys: number } {
  const bars: Bar[] = rows.map((r) => ({ label: label(r), value: typeof r[column] === 'number' ? (r[column] as number) : 0 }));
  bars.sort((a, b) => b.value - a.value || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  const shown = bars.slice(0, shape.top);
  const labelWidth = Math.min(24, Math.max(...shown.map((b) => displayWidth(b.label)), 1));
  const valueWidth = Math.max(...shown.map((b) => formatValue(b.value).length), 1);
  const barWidth = Math.max(5, shape.columns - labelWidth - valueWidth - 4);
  const max = Math.max(...shown.map((b) => b.value), 0);
  const lines = shown.map((b) => {
    const name = padToWidth(cutToWidth(b.label, labelWidth, '…'), labelWidth, 'left');
    return `${name} ${formatValue(b.value).padStart(valueWidth)} ${bar(b.value, max, barWidth, shape.blocks)}`;
  });
  return { lines, keys: bars.length };
}

function windowOf(row: Row): { start: string; end: string } | undefined {
  const w = row['window'] as { start?: unknown; end?: unknown } | undefined;
  return w && typeof w.start === 'string' && typeof w.end === 'string' ? { start: w.start, end: w.end } : undefined;
}

/**
 * The rows of one batch, grouped by window (in window order). Rows without a
 * window, or whose window is the batch itself (per-batch results), form one
 * group without a title.
 */
function byWindow(rows: Row[], batch: { start: number; end: number }): { title: string | undefined; rows: Row[] }[] {
  const batchRange = `${isoTime(batch.start)} ${isoTime(batch.end)}`;
  const groups = new Map<string, { title: string | undefined; rows: Row[] }>();
  for (const row of rows) {
    const w = windowOf(row);
    const id = w && `${w.start} ${w.end}` !== batchRange ? `${w.start} ${w.end}` : '';
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { title: id ? visible(`window ${w!.start} .. ${w!.end}`) : undefined, rows: [] }));
    g.rows.push(row);
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, g]) => g);
}

/** All the lines of one batch's chart: a header, then one block of bars per window. */
export function renderChartFrame(rows: Row[], batch: { id: number; start: number; end: number }, shape: ChartShape, style: ConsoleStyle): string[] {
  const column = valueColumn(rows);
  const header = `Batch ${batch.id}  ${isoTime(batch.start)} .. ${isoTime(batch.end)}`;
  if (!column) return [style.header(header), '(no numeric column to chart)'];
  const lines = [style.header(header)];
  for (const g of byWindow(rows, batch)) {
    const { lines: bars, keys } = renderBars(g.rows, column, shape);
    const summary = `top ${Math.min(shape.top, keys)} of ${keys} key${keys === 1 ? '' : 's'} by ${visible(column)}`;
    lines.push(style.dim(g.title ? `${g.title}  ${summary}` : summary), ...bars);
  }
  return lines;
}

export interface ChartTerminal {
  /** Redraw in place (cursor up + clear) instead of appending. */
  live: boolean;
  columns(): number;
  rows(): number;
}

/**
 * `sink console --chart`: a horizontal bar chart of the top keys of each
 * batch (one per window when the batch carries several). On a terminal each
 * chart replaces the previous one in place; otherwise charts are appended.
 */
export class ChartSink implements Downstream {
  private rows: Row[] = [];
  private drawnLines = 0;

  constructor(
    private readonly out: Writable,
    private readonly style: ConsoleStyle,
    private readonly terminal: ChartTerminal,
    private readonly top: number,
    private readonly blocks: boolean,
  ) {}

  data(record: unknown): void {
    this.rows.push(record !== null && typeof record === 'object' && !Array.isArray(record) ? (record as Row) : { value: record });
  }

  control(c: Control): void {
    if (c.type !== 'batch' || this.rows.length === 0) return;
    const shape = { columns: this.terminal.columns() - 1, top: this.top, blocks: this.blocks };
    let lines = renderChartFrame(this.rows, c, shape, this.style);
    this.rows = [];
    if (!this.terminal.live) {
      this.out.write(lines.join('\n') + '\n\n');
      return;
    }
    // A frame taller than the screen would scroll, and cursor-up could not reach its top.
    const height = Math.max(3, this.terminal.rows() - 1);
    if (lines.length > height) lines = [...lines.slice(0, height - 1), this.style.dim(`... ${lines.length - height + 1} more lines (a taller terminal or a smaller --top)`)];
    // Each line is cleared as it is overwritten, and what is left of a taller
    // old frame is erased below the new one: erasing the whole screen from its
    // top would make some terminals (tmux) push it into the scrollback.
    const up = this.drawnLines > 0 ? `\x1b[${this.drawnLines}A\r` : '';
    this.out.write(`${up}${lines.map((l) => `\x1b[2K${l}`).join('\n')}\n\x1b[J`);
    this.drawnLines = lines.length;
  }
}
