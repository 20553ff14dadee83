import { isoTime } from '../clock.js';
import { compilePath, isRecordObject } from '../codec.js';
import { NO_WINDOW, recordWindow, UNWINDOWED, type RecordWindow } from '../window/record-window.js';
import type { Control, ControlOf } from '../control.js';
import { Operator } from '../operator.js';
import type { StageContext } from '../context.js';
import { addNumbers, buildAggregate, nonFiniteFields, numberKinds, unsafeIntegerWarning, type Acc, type Aggregate, type AggregateSpec } from '../aggregates.js';
import { DataError, diagnostic } from '../errors.js';
import { buildKeyExtractor, groupId, type KeyExtractor, type KeySpec } from '../grouping.js';
import { ProgressReporter } from '../progress.js';
import type { Stateful } from '../stateful.js';
import type { Downstream } from '../stream.js';
import type { TakenLines } from '../framing.js';
import { reduceReadsFields, type FieldTexts, type ReadsFields, type TakesTextLines } from '../fast/fields-read.js';
import { CountLane } from '../fast/count-lane.js';
import { KeyedLines } from '../fast/keyed-lines.js';
import { KeyTextIndex } from '../fast/key-text-index.js';
import { AccRows } from '../fast/acc-rows.js';
import { countPieces } from '../fast/field-split.js';
import type { TokenPlan } from '../fast/token-plan.js';
import { jsonValue } from '../fast/line-shapes.js';
import { fastPathsOn } from '../fast/switch.js';
import { detached } from '../detached.js';
import { approxBytes, StateBudget, type StateLimitOptions } from '../window/state-limits.js';

/**
 * Output modes, as in Structured Streaming (batch is the DStream result):
 * - batch: each batch's own result, then forget it;
 * - update: at each batch, the rows whose aggregates changed;
 * - complete: at each batch, the whole result table;
 * - append: each (window, key) once, when the watermark passes the window's end (or at end of stream).
 */
export type OutputMode = 'batch' | 'update' | 'complete' | 'append';
export const OUTPUT_MODES: readonly OutputMode[] = ['batch', 'update', 'complete', 'append'];

export interface ReduceOptions {
  key: KeySpec;
  aggregates: AggregateSpec[];
  mode?: OutputMode;
  limits?: StateLimitOptions;
  /** Writes one progress line per batch. */
  progress?: (line: string) => void;
  /** Complete mode writes its table even at a batch that read nothing new (a --parallel worker: the coordinator decides for the whole table). */
  everyBatch?: boolean;
}

interface Group {
  key: unknown[];
  accs: Acc[];
  changed: boolean;
  bytes: number;
  /** Where its row is in its table's byKeyText, -1 when it has none. */
  row: number;
}

/** The groups of one window; the unwindowed table (records without `window`) has no label. */
interface WindowTable {
  label: { start: string; end: string } | undefined;
  start: number;
  end: number;
  groups: Map<string, Group>;
  /** The same groups by their key fields' JSON text, for lines read without a record (fast/keyed-lines.ts). */
  byKeyText?: KeyTextIndex<Group>;
}

const GROUP_BYTES = 200;
const ACC_BYTES = 48;
const WINDOW_BYTES = 200;
const SNAPSHOT_KIND = 'sluice.reduce-by-key';
const SNAPSHOT_VERSION = 1;

interface ReduceSnapshot {
  kind: string;
  v: number;
  mode: OutputMode;
  aggregates: string[];
  watermark: number | null;
  streamStart: number | null;
  lastEnd: number | null;
  /** The source positions of the last batch (JSON), absent in snapshots of older versions. */
  positions?: string | null;
  windows: [string, { start: string; end: string } | null, number, number, [string, unknown[], Acc[], boolean][]][];
  lateTotal: number;
}

/**
 * reduce-by-key (Spark's reduceByKey / groupBy().agg()). State is per (window,
 * key) when records carry `window: {start, end}` (from `sluice window`), else per
 * key. Windows close when a watermark control record passes their end; their
 * state is then evicted (except in complete mode, which must keep the whole
 * table). State is bounded by --max-keys / --max-state-bytes.
 */
export class ReduceByKeyOperator extends Operator implements Stateful {
  private readonly keys: KeyExtractor;
  private readonly aggs: Aggregate[];
  /** How lines read without a record update the aggregates (with keyedLines). */
  private readonly numberKinds: Uint8Array | undefined;
  private readonly collectAt: { index: number; get: (r: unknown) => unknown }[] = [];
  readonly mode: OutputMode;
  private readonly everyBatch: boolean;
  private table = new Map<string, WindowTable>();
  private readonly budget: StateBudget;
  private readonly progress: ProgressReporter | undefined;
  private watermark = -Infinity;
  private streamStart: number | undefined;
  private lastEnd: number | undefined;
  /** The last batch's source positions as JSON: a batch with the same ones read nothing new. */
  private lastPositions: string | undefined;
  private lateTotal = 0;
  private warnedUnsafe = false;
  private lateInBatch = 0;
  /** Top-level fields this operator reads, so flat input lines need no JSON.parse (see fast/fields-read.ts). */
  readonly readsFields: readonly string[] | undefined;
  /** `FIELD --count` records without window: counted in a flat map, spilled into the groups when needed (fast/count-lane.ts). */
  private readonly lane: CountLane | undefined;
  /** Plain keys and numeric aggregates: input lines read without a record (fast/keyed-lines.ts); with the lane, its windowed records. */
  private readonly keyedLines: KeyedLines | undefined;
  /** How the keyed lines' groups keep their accumulators in their byKeyText rows. */
  private readonly accRows: AccRows | undefined;
  /** The last window text a keyed line carried, and what windowOf() made of it. */
  private lastWindowText: string | undefined;
  private lastWindow: ReturnType<ReduceByKeyOperator['windowOf']> = NO_WINDOW;
  /** lastWindow's table once a keyed line found it; dropped when a table is evicted or the tables are replaced. */
  private lastTable: WindowTable | undefined;
  /** Under `sluice run`: windowed lines of the window stage before it, taken by their fields' text (TakesCheckedLines). */
  readonly checkedFields: readonly string[] | undefined;
  readonly takeChecked?: (fields: FieldTexts, windowJson: string) => boolean;

  constructor(
    options: ReduceOptions,
    next: Downstream,
    private readonly ctx: StageContext,
  ) {
    super(next);
    this.keys = buildKeyExtractor(options.key, ctx.command);
    this.aggs = options.aggregates.map(buildAggregate);
    this.numberKinds = numberKinds(this.aggs);
    options.aggregates.forEach((a, index) => {
      if (a.kind === 'collect') this.collectAt.push({ index, get: compilePath(a.field) });
    });
    this.mode = options.mode ?? 'batch';
    this.everyBatch = options.everyBatch ?? false;
    this.readsFields = fastPathsOn() ? reduceReadsFields(options.key, options.aggregates) : undefined;
    this.lane = fastPathsOn() ? CountLane.for(options.key, options.aggregates) : undefined;
    this.keyedLines = fastPathsOn() && ctx.maxDepth !== undefined ? KeyedLines.for(options.key, options.aggregates, ctx.maxDepth) : undefined;
    if (this.keyedLines !== undefined) this.accRows = new AccRows(this.numberKinds!);
    // A checked line nests two levels (its window): under a smaller --max-depth it is read the general way.
    const kl = this.keyedLines;
    if (kl !== undefined && ctx.maxDepth! >= 2) {
      this.checkedFields = kl.fields;
      this.takeChecked = (fields, windowJson) => kl.readChecked(fields, windowJson) && this.takeKeyed(kl);
    }
    this.budget = new StateBudget(options.limits ?? { maxKeys: 0, maxBytes: 0 }, 'keys');
    if (options.progress) this.progress = new ProgressReporter(ctx.command, ctx.clock, options.progress);
  }

  /** Rows held in state, for the live --status line. */
  stateRows(): number {
    return this.budget.rows;
  }

  data(record: unknown, _raw?: string): void {
    this.progress?.input();
    const lane = this.lane;
    if (lane !== undefined) {
      const k = lane.keyOf(record);
      if (k !== undefined) {
        this.countInLane(lane, k);
        return;
      }
    }
    const [windowId, win] = this.windowOf(record);
    if (windowId === UNWINDOWED && lane !== undefined && lane.counts.size > 0) this.spillLane();
    if (win && win.end <= this.watermark && (this.mode === 'append' || this.mode === 'update')) {
      // Its window was already emitted and evicted: counting it now would change a final result.
      this.lateTotal++;
      this.lateInBatch++;
      return;
    }
    const key = this.keys.values(record);
    if (typeof key === 'string') {
      this.ctx.errors.bad(key);
      return;
    }
    for (const a of this.aggs) {
      const problem = a.check?.(record);
      if (problem) {
        this.ctx.errors.bad(problem);
        return;
      }
    }
    const table = this.tableFor(windowId, win);
    let id = groupId(key);
    let group = table.groups.get(id);
    const isNew = group === undefined;
    if (!group) {
      id = detached(id);
      group = this.newGroup(key.map(detached), id);
    } else this.release(table, group);
    for (let i = 0; i < this.aggs.length; i++) {
      const problem = this.aggs[i]!.add(group.accs[i]!, record);
      if (problem) {
        this.ctx.errors.bad(problem);
        return;
      }
    }
    group.changed = true;
    let grown = 0;
    for (const c of this.collectAt) grown += 8 + approxBytes(c.get(record));
    group.bytes += grown;
    if (isNew) {
      table.groups.set(id, group);
      this.budget.add(1, group.bytes);
    } else if (grown > 0) this.budget.add(0, grown);
  }

  private tableFor(windowId: string, win: ReturnType<ReduceByKeyOperator['windowOf']>[1]): WindowTable {
    let table = this.table.get(windowId);
    if (!table) {
      table = { label: win?.label, start: win?.start ?? 0, end: win?.end ?? 0, groups: new Map() };
      this.budget.add(0, WINDOW_BYTES);
      this.table.set(windowId, table);
    }
    return table;
  }

  private newGroup(key: unknown[], id: string): Group {
    return { key, accs: this.aggs.map((a) => a.init()), changed: false, bytes: GROUP_BYTES + id.length * 2 + ACC_BYTES * this.aggs.length, row: -1 };
  }

  /**
   * data() for an input line read without a record (fast/keyed-lines.ts): the
   * same window, group and aggregate updates. False for a line it leaves to
   * the general path (anything the reader does not answer for, a late record).
   */
  private takeKeyedLine(kl: KeyedLines, line: string): boolean {
    return kl.read(line) && this.takeKeyed(kl);
  }

  /** takeKeyedLine() for the line the keyed-line reader just read. */
  private takeKeyed(kl: KeyedLines): boolean {
    const text = kl.windowText();
    let table: WindowTable;
    if (text !== undefined) {
      // Compared by identity first: a run of lines of one window usually gives the very same string (BlockLayouts.matchTail).
      if (text !== this.lastWindowText) {
        this.lastWindow = this.windowOf({ window: jsonValue(text) });
        this.lastWindowText = text;
        this.lastTable = undefined;
      }
      const [windowId, win] = this.lastWindow;
      if (win && win.end <= this.watermark && (this.mode === 'append' || this.mode === 'update')) return false;
      // Records without a window are the count lane's (data() decides between lane and groups).
      if (windowId === UNWINDOWED && this.lane !== undefined) return false;
      table = this.lastTable ??= this.tableFor(windowId, win);
    } else {
      if (this.lane !== undefined) return false;
      table = this.tableFor(UNWINDOWED, undefined);
    }
    this.progress?.input();
    const accRows = this.accRows!;
    const index = (table.byKeyText ??= new KeyTextIndex<Group>(accRows.width));
    let at = index.find(kl);
    if (at < 0) {
      let id = kl.groupId();
      let group = table.groups.get(id);
      if (group === undefined) {
        id = detached(id);
        group = this.newGroup(kl.keyValues().map(detached), id);
        table.groups.set(id, group);
        this.budget.add(1, group.bytes);
      }
      at = index.add(kl, group);
      group.row = at;
      accRows.hold(index.rows, at, group.accs);
    }
    const rows = index.rows;
    if (accRows.held(rows, at)) accRows.add(rows, at, kl.numbers);
    else {
      const group = index.value(at);
      addNumbers(this.numberKinds!, group.accs, kl.numbers);
      group.changed = true;
    }
    return true;
  }

  /** The group's accumulators are its Acc objects from now on (its row written back), before another path reads or changes them. */
  private release(table: WindowTable, group: Group): void {
    if (group.row < 0) return;
    const rows = table.byKeyText!.rows;
    if (this.accRows!.held(rows, group.row) && this.accRows!.release(rows, group.row, group.accs)) group.changed = true;
  }

  /** Writes the rows of the table's groups back into their Acc objects, and their changes into `changed`, before the groups are read. */
  private writeBack(table: WindowTable): void {
    const index = table.byKeyText;
    if (index === undefined) return;
    const accRows = this.accRows!;
    const rows = index.rows;
    for (let i = 0; i < index.size; i++) {
      const at = index.rowOf(i);
      if (!accRows.held(rows, at)) continue;
      const group = index.value(at);
      if (accRows.writeBack(rows, at, group.accs)) group.changed = true;
    }
  }

  override control(c: Control): void | Promise<void> {
    // Its rows would be attributed to whichever partition's marker came last, and its state would not move.
    if (c.type === 'assign') throw new DataError(`the source keeps state per Kafka partition (--changelog): give ${this.ctx.command} --partition-state`);
    // Batch and complete mode emit the lane's rows as they are, unless general-path groups share the table.
    if (this.lane && this.lane.counts.size > 0 && (this.mode === 'update' || this.mode === 'append' || (this.table.get(UNWINDOWED)?.groups.size ?? 0) > 0)) this.spillLane();
    return super.control(c);
  }

  protected override onBatchEnd(c: ControlOf<'batch'>): void {
    this.streamStart ??= c.start;
    this.lastEnd = c.end;
    const positions = c.positions === undefined ? undefined : JSON.stringify(c.positions);
    const readNothingNew = positions !== undefined && positions === this.lastPositions;
    this.lastPositions = positions;
    this.onBatch(c.start, c.end, readNothingNew);
    this.progress?.batch(c.id, { watermark: this.watermark, stateRows: this.budget.rows, lateRows: this.lateInBatch });
    this.lateInBatch = 0;
  }

  protected override onWatermark(t: number): void {
    if (t > this.watermark) {
      this.watermark = t;
      this.onWatermarkAdvance();
    }
  }

  /**
   * End of input: append mode emits every (window, key) still open. The other
   * modes emit at the stream's last batch, which follows.
   */
  protected override onEndOfInput(): void {
    if (this.mode !== 'append') return;
    this.emitTables(this.sortedTables(), () => true);
    for (const id of [...this.table.keys()]) this.evict(id);
  }

  protected override onClose(): void {
    if (this.lateTotal > 0) {
      this.ctx.warn(diagnostic(this.ctx.command, undefined, `${this.lateTotal} late record${this.lateTotal === 1 ? '' : 's'} dropped (their window was already closed by the watermark and emitted)`));
    }
  }

  private onBatch(start: number, end: number, readNothingNew: boolean): void {
    switch (this.mode) {
      case 'batch':
        this.emitTables(this.sortedTables(), () => true, { start: isoTime(start), end: isoTime(end) });
        this.table = new Map();
        this.lastTable = undefined;
        this.lane?.clear();
        this.budget.reset();
        return;
      case 'update':
        this.emitTables(this.sortedTables(), (g) => g.changed);
        return;
      case 'complete':
        // A batch that read nothing from the source and changed nothing is no trigger (Spark runs
        // none without new data): a rerun of finished input, restored from the last batch's state,
        // must not write that batch's table a second time.
        if (readNothingNew && !this.everyBatch && !this.anyChanged()) return;
        this.emitTables(this.sortedTables(), () => true);
        return;
      case 'append':
        return;
    }
  }

  private onWatermarkAdvance(): void {
    if (this.mode !== 'append' && this.mode !== 'update') return;
    const closed = this.sortedTables().filter(([id, t]) => id !== UNWINDOWED && t.end <= this.watermark);
    this.emitTables(closed, this.mode === 'update' ? (g) => g.changed : () => true);
    for (const [id] of closed) this.evict(id);
  }

  private anyChanged(): boolean {
    if (this.lane?.changed) return true;
    for (const t of this.table.values()) this.writeBack(t);
    for (const t of this.table.values()) for (const g of t.groups.values()) if (g.changed) return true;
    return false;
  }

  private evict(id: string): void {
    const t = this.table.get(id);
    if (!t) return;
    let bytes = WINDOW_BYTES;
    for (const g of t.groups.values()) bytes += g.bytes;
    this.budget.remove(t.groups.size, bytes);
    this.table.delete(id);
    this.lastTable = undefined;
  }

  /** Windows in time order (start, then end); the unwindowed table last. */
  private sortedTables(): [string, WindowTable][] {
    return [...this.table].sort(([ia, a], [ib, b]) => {
      if (ia === UNWINDOWED || ib === UNWINDOWED) return (ia === UNWINDOWED ? 1 : 0) - (ib === UNWINDOWED ? 1 : 0);
      return a.start - b.start || a.end - b.end;
    });
  }

  private emitTables(tables: [string, WindowTable][], which: (g: Group) => boolean, batchLabel?: { start: string; end: string }): void {
    for (const [id, t] of tables) {
      const label = t.label ?? batchLabel ?? this.streamLabel();
      if (id === UNWINDOWED && this.lane && this.lane.counts.size > 0) {
        this.emitLane(this.lane, label); // control() spilled the lane if the table has groups too
        continue;
      }
      this.writeBack(t);
      for (const g of t.groups.values()) {
        if (!which(g)) continue;
        g.changed = false;
        this.emitRow(label, g);
      }
    }
  }

  /** Window of unwindowed running totals: from the first batch's start to the last batch's end. */
  private streamLabel(): { start: string; end: string } {
    const end = this.lastEnd ?? this.ctx.clock.now();
    return { start: isoTime(this.streamStart ?? end), end: isoTime(end) };
  }

  private emitRow(label: { start: string; end: string }, group: Group): void {
    const row: Record<string, unknown> = { window: { start: label.start, end: label.end } };
    this.keys.names.forEach((n, i) => setField(row, n, group.key[i]));
    this.aggs.forEach((a, i) => setField(row, a.name, a.result(group.accs[i]!)));
    const bad = nonFiniteFields(row, this.aggs.map((a) => a.name));
    if (bad.length > 0) {
      this.ctx.errors.badAt('output', JSON.stringify(group.key), `aggregate ${bad.join(', ')} is not finite (overflow or an infinite input); written as null`);
      for (const n of bad) row[n] = null;
    }
    const unsafe = this.warnedUnsafe ? undefined : unsafeIntegerWarning(row, this.keys.names, this.aggs.map((a) => a.name));
    if (unsafe !== undefined) {
      this.warnedUnsafe = true;
      this.ctx.warn(diagnostic(this.ctx.command, 'output', unsafe));
    }
    this.progress?.output();
    this.next.data(row, undefined);
  }

  /**
   * The record `{value: s}` (a flat map's string under `sluice run`), counted
   * without building it when the lane's key field is `value`. False: the
   * caller builds the record and calls data().
   */
  takeTextValue(s: string): boolean {
    const lane = this.lane;
    if (lane === undefined || lane.field !== 'value' || (s.length > 0 && s.charCodeAt(0) === 0)) return false;
    this.progress?.input();
    this.countInLane(lane, s);
    return true;
  }

  /**
   * The raw input line, counted without parsing it when it is exactly
   * `{"FIELD":"key"}` (see CountLane.keyStart), or read by the keyed-line
   * reader. False: the caller parses it and calls data().
   */
  takeLine(line: string): boolean {
    const lane = this.lane;
    const from = lane === undefined ? -1 : lane.keyStart(line);
    if (from < 0) return this.keyedLines !== undefined && this.takeKeyedLine(this.keyedLines, line);
    this.progress?.input();
    if (lane!.counts.addRange(line, from, line.length - 2)) this.newLaneKey(lane!.counts.lastKey());
    lane!.changed = true;
    return true;
  }

  /**
   * takeLine() for the undecoded lines of a whole read: `{"FIELD":"key"}`
   * lines counted as bytes by the lane (CountLane.countLines), other lines
   * read in place by the keyed-line reader (KeyedLines.readLines). Stops
   * where takeLine() would decline a line.
   */
  takeLineBytes(bytes: Buffer, from: number, end: number, maxLineBytes: number): TakenLines {
    const lane = this.lane;
    if (lane !== undefined) {
      const taken = lane.countLines(bytes, from, end, maxLineBytes, this.onNewLaneKey);
      if (taken.lines > 0 || this.keyedLines === undefined) {
        this.progress?.input(taken.lines);
        return taken;
      }
    }
    const kl = this.keyedLines;
    if (kl === undefined) return { to: from, lines: 0 };
    return kl.readLines(bytes, from, end, maxLineBytes, this.takeKeyedRead, this.ctx.position.line);
  }

  private readonly takeKeyedRead = (): boolean => this.takeKeyed(this.keyedLines!);

  private readonly onNewLaneKey = (k: string): void => this.newLaneKey(k);

  /** takeTextValue() for the string s.slice(from, to), counted without making it when the key was seen before. */
  takeTextRange(s: string, from: number, to: number): boolean {
    const lane = this.lane;
    if (lane === undefined || lane.field !== 'value' || (to > from && s.charCodeAt(from) === 0)) return false;
    this.progress?.input();
    if (lane.counts.addRange(s, from, to)) this.newLaneKey(lane.counts.lastKey());
    lane.changed = true;
    return true;
  }

  /** The pieces of a flat map's string (its token plan, case already changed), counted in the lane without a string per known key. */
  takeTextPieces(plan: TokenPlan, s: string, other: (piece: string) => void): boolean {
    const lane = this.lane;
    if (lane === undefined || lane.field !== 'value') return false;
    const counted = countPieces(plan, s, lane.counts, this.onNewLaneKey, other);
    if (counted > 0) {
      this.progress?.input(counted);
      lane.changed = true;
    }
    return true;
  }

  private countInLane(lane: CountLane, k: string): void {
    if (lane.counts.add(k)) this.newLaneKey(k);
    lane.changed = true;
  }

  /** A key new to the lane: the unwindowed table exists (as on the general path) and the state budget counts the key once. */
  private newLaneKey(k: string): void {
    let table = this.table.get(UNWINDOWED);
    if (!table) {
      table = { label: undefined, start: 0, end: 0, groups: new Map() };
      this.budget.add(0, WINDOW_BYTES);
      this.table.set(UNWINDOWED, table);
    }
    if (!table.groups.has(k)) this.budget.add(1, GROUP_BYTES + k.length * 2 + ACC_BYTES);
  }

  /**
   * Moves the lane's counts into the unwindowed groups, in first-seen order; the
   * budget counted them already. Complete mode keeps the lane across emissions,
   * so a spilled key is "changed" only if something was counted since then.
   */
  private spillLane(): void {
    const lane = this.lane!;
    const groups = this.table.get(UNWINDOWED)!.groups;
    const counts = lane.counts;
    for (let i = 0; i < counts.size; i++) {
      const k = counts.keyAt(i);
      const n = counts.countAt(i);
      const g = groups.get(k);
      if (g) {
        g.accs[0]!.n += n;
        g.changed ||= lane.changed;
      } else groups.set(k, { key: [k], accs: [{ n, v: 0 }], changed: lane.changed, bytes: GROUP_BYTES + k.length * 2 + ACC_BYTES, row: -1 });
    }
    lane.clear();
  }

  /** The lane's rows with their JSON text built directly (what emitRow would give: counts are small integers, keys plain strings). */
  private emitLane(lane: CountLane, label: { start: string; end: string }): void {
    const next = this.next as Downstream & ReadsFields & Partial<TakesTextLines>;
    if (next.readsFields?.length === 0 && next.lines !== undefined) {
      // A writer next: the rows' lines in large pieces, no record built.
      const rows = lane.writeRows(label, next as TakesTextLines);
      this.progress?.output(rows);
      lane.changed = false;
      return;
    }
    const prefix = lane.rowPrefix(label);
    const name = lane.field;
    const counts = lane.counts;
    for (let i = 0; i < counts.size; i++) {
      const k = counts.keyAt(i);
      const n = counts.countAt(i);
      const row: Record<string, unknown> = { window: { start: label.start, end: label.end } };
      row[name] = k;
      row['count'] = n;
      this.progress?.output();
      this.next.data(row, `${prefix}${JSON.stringify(k)},"count":${n}}`);
    }
    lane.changed = false;
  }

  /** The record's window when it carries `window: {start, end}` with ISO-8601 times; else the unwindowed table. */
  private windowOf(record: unknown): [string, RecordWindow | undefined] {
    // Records of one window come in runs, with the very strings of the window stage's label: the last answer holds.
    const w = isRecordObject(record) && Object.hasOwn(record, 'window') ? record['window'] : undefined;
    const last = this.lastRecordWindow;
    if (last !== undefined && isRecordObject(w) && w['start'] === last.start && w['end'] === last.end) return last.result;
    const result = recordWindow(record, this.knownWindow);
    if (result[1] !== undefined) this.lastRecordWindow = { start: (w as Record<string, unknown>)['start'] as string, end: (w as Record<string, unknown>)['end'] as string, result };
    return result;
  }

  /** The last window windowOf() found, by its start and end strings. */
  private lastRecordWindow: { start: string; end: string; result: [string, RecordWindow | undefined] } | undefined;

  /** A windowed table is its own RecordWindow (its label is set): nothing is allocated for a window seen before. */
  private readonly knownWindow = (id: string): RecordWindow | undefined => this.table.get(id) as RecordWindow | undefined;

  /**
   * --parallel's map-side combine (parallel-combine.ts): one (window, key)'s
   * partial aggregates, made by a worker from records between two control
   * records, merged as data() would have added those records. Calls come in the
   * order in which the input first showed each (window, key), so tables, rows
   * and the state budget are exactly those of one thread. Without `group`, only
   * the window's table is made (a record that got that far and was then bad).
   */
  mergePartial(windowId: string, win: RecordWindow | undefined, group?: { id: string; key: unknown[]; accs: Acc[] }): void {
    let table = this.table.get(windowId);
    if (!table) {
      table = { label: win?.label, start: win?.start ?? 0, end: win?.end ?? 0, groups: new Map() };
      this.budget.add(0, WINDOW_BYTES);
      this.table.set(windowId, table);
    }
    if (!group) return;
    const g = table.groups.get(group.id);
    if (g) {
      this.release(table, g);
      for (let i = 0; i < this.aggs.length; i++) this.aggs[i]!.merge(g.accs[i]!, group.accs[i]!);
      g.changed = true;
      return;
    }
    const bytes = GROUP_BYTES + group.id.length * 2 + ACC_BYTES * this.aggs.length;
    this.budget.add(1, bytes);
    table.groups.set(group.id, { key: group.key, accs: group.accs, changed: true, bytes, row: -1 });
  }

  /** Late records a --parallel worker dropped (see data()): counted as if dropped here. */
  addLate(n: number): void {
    this.lateTotal += n;
    this.lateInBatch += n;
  }

  snapshot(): ReduceSnapshot {
    if (this.lane && this.lane.counts.size > 0) this.spillLane();
    for (const t of this.table.values()) this.writeBack(t);
    const finite = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x : null);
    return {
      kind: SNAPSHOT_KIND,
      v: SNAPSHOT_VERSION,
      mode: this.mode,
      aggregates: this.aggs.map((a) => a.name),
      watermark: finite(this.watermark),
      streamStart: finite(this.streamStart),
      lastEnd: finite(this.lastEnd),
      positions: this.lastPositions ?? null,
      windows: [...this.table].map(([id, t]) => [id, t.label ?? null, t.start, t.end, [...t.groups].map(([gid, g]) => [gid, g.key, g.accs, g.changed])]),
      lateTotal: this.lateTotal,
    };
  }

  restore(state: unknown): void {
    const s = state as ReduceSnapshot;
    if (!isRecordObject(s) || s.kind !== SNAPSHOT_KIND || s.v !== SNAPSHOT_VERSION) {
      throw new Error(`checkpointed state is not reduce-by-key state of version ${SNAPSHOT_VERSION}`);
    }
    const names = this.aggs.map((a) => a.name);
    if (s.mode !== this.mode || JSON.stringify(s.aggregates) !== JSON.stringify(names)) {
      throw new Error(`checkpointed reduce-by-key state was made with --mode ${s.mode} and aggregates ${s.aggregates.join(', ')}; this run has --mode ${this.mode} and ${names.join(', ')}`);
    }
    this.watermark = s.watermark ?? -Infinity;
    this.streamStart = s.streamStart ?? undefined;
    this.lastEnd = s.lastEnd ?? undefined;
    this.lastPositions = s.positions ?? undefined;
    this.lateTotal = s.lateTotal;
    this.table = new Map();
    this.lastTable = undefined;
    this.lane?.clear();
    this.budget.reset();
    for (const [id, label, start, end, groups] of s.windows) {
      const t: WindowTable = { label: label ?? undefined, start, end, groups: new Map() };
      this.budget.add(0, WINDOW_BYTES);
      for (const [gid, key, accs, changed] of groups) {
        const bytes = GROUP_BYTES + gid.length * 2 + ACC_BYTES * accs.length + this.collectAt.reduce((n, c) => n + approxBytes(accs[c.index]?.v), 0);
        t.groups.set(gid, { key, accs, changed, bytes, row: -1 });
        this.budget.add(1, bytes);
      }
      this.table.set(id, t);
    }
  }
}

/** Sets a field of an output row; a key column named __proto__ is plain data, not the prototype. */
function setField(row: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__') Object.defineProperty(row, name, { value, enumerable: true, writable: true, configurable: true });
  else row[name] = value;
}
