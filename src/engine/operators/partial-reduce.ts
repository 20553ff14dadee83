import type { Acc, Aggregate, AggregateSpec } from '../aggregates.js';
import { addNumbers, buildAggregate, numberKinds } from '../aggregates.js';
import { buildKeyExtractor, groupId, type KeyExtractor, type KeySpec } from '../grouping.js';
import { NO_WINDOW, recordWindow, UNWINDOWED, type RecordWindow } from '../window/record-window.js';
import { KeyedLines } from '../fast/keyed-lines.js';
import { KeyTextIndex } from '../fast/key-text-index.js';
import { AccRows } from '../fast/acc-rows.js';
import { jsonValue } from '../fast/line-shapes.js';
import { type OutputMode } from './reduce-by-key.js';
import { detached } from '../detached.js';
import type { TakenLines } from '../framing.js';
import { PartialPacker, type PackedGroups, type PartialGroup } from './partial-pack.js';

/** One window's partial groups, in the order the worker first saw them (packed: partial-pack.ts). */
export interface PartialWindow {
  id: string;
  win: RecordWindow | undefined;
  groups: PackedGroups;
}

/** What a worker aggregated between two control records. */
export interface PartialBatch {
  windows: PartialWindow[];
  late: number;
}

/** A partial group, and where its row is in its table's KeyTextIndex (-1: not entered there). */
type RowGroup = PartialGroup & { row: number };

interface Table {
  win: RecordWindow | undefined;
  groups: Map<string, RowGroup>;
  /**
   * The same groups by their key fields' JSON text, for lines read without a
   * record (fast/keyed-lines.ts); each entry's row holds the group's
   * accumulators (AccRows, as the one-thread operator keeps them) and then
   * the sequence number of its last line.
   */
  byKeyText?: KeyTextIndex<RowGroup>;
}

/**
 * The map side of --parallel's combine (Spark's map-side combine for
 * reduceByKey): aggregates the records one worker was given into partial
 * aggregates per (window, key), checking each record exactly as
 * ReduceByKeyOperator.data() does, in the same order (late, key, aggregate
 * checks), so a record is bad here exactly when it would be bad there. The
 * coordinator merges the partials of every worker at each control record
 * (ReduceByKeyOperator.mergePartial). Only aggregates whose partials merge to
 * the one-thread result take this path (combinable()).
 */
export class PartialReduce {
  private readonly keys: KeyExtractor;
  private readonly aggs: Aggregate[];
  private readonly packer: PartialPacker;
  /** How lines read without a record update the aggregates (with keyed). */
  private readonly numberKinds: Uint8Array | undefined;
  private readonly lateMode: boolean;
  private tables = new Map<string, Table>();
  private late = 0;
  /** The watermark as the operator sees it: the highest watermark control record so far (or restored). */
  watermark = -Infinity;
  /** Plain keys and numeric aggregates: lines read without a record, as ReduceByKeyOperator does (fast/keyed-lines.ts). */
  private readonly keyed: KeyedLines | undefined;
  private readonly accRows: AccRows | undefined;
  private lastWindowText: string | undefined;
  private lastWindow: [string, RecordWindow | undefined] = NO_WINDOW;

  constructor(
    o: { key: KeySpec; aggregates: AggregateSpec[]; mode?: OutputMode },
    command: string,
    /** --max-depth; undefined: no line is read without a record. */
    maxDepth: number | undefined,
    /** A bad record (at the caller's current position): the message --on-error would report. */
    private readonly bad: (what: string) => void,
  ) {
    this.keys = buildKeyExtractor(o.key, command);
    this.aggs = o.aggregates.map(buildAggregate);
    this.packer = new PartialPacker(o.aggregates, this.aggs);
    this.numberKinds = numberKinds(this.aggs);
    this.lateMode = o.mode === 'append' || o.mode === 'update';
    this.keyed = maxDepth === undefined ? undefined : KeyedLines.for(o.key, o.aggregates, maxDepth);
    this.accRows = this.keyed && this.numberKinds && new AccRows(this.numberKinds);
  }

  /**
   * add() for an input line read without a record, when its layout is known
   * and its key and numbers plain (see KeyedLines.read); false: the caller
   * parses it and calls add(). A late record is left to add(), which counts it.
   */
  addLine(line: string, seq: number): boolean {
    const keyed = this.keyed;
    return keyed !== undefined && keyed.read(line) && this.addKeyed(keyed, seq);
  }

  /**
   * addLine() for the undecoded lines of bytes[from, end] (each ending with a
   * LF; see KeyedLines.readLines, the reader of the one-thread stage), the
   * first numbered `seq`. Stops at the first line addLine() would decline.
   */
  addLines(bytes: Buffer, from: number, end: number, seq: number): TakenLines {
    const keyed = this.keyed;
    if (keyed === undefined) return { to: from, lines: 0 };
    this.nextSeq = seq;
    return keyed.readLines(bytes, from, end, Infinity, this.takeRead);
  }

  private nextSeq = 0;
  private readonly takeRead = (): boolean => this.addKeyed(this.keyed!, this.nextSeq) && ++this.nextSeq > 0;

  /** addLine() for the line the keyed-line reader just read. */
  private addKeyed(keyed: KeyedLines, seq: number): boolean {
    const text = keyed.windowText();
    let windowId = UNWINDOWED;
    let win: RecordWindow | undefined;
    if (text !== undefined) {
      if (text !== this.lastWindowText) {
        this.lastWindow = recordWindow({ window: jsonValue(text) }, this.knownWindow);
        this.lastWindowText = text;
      }
      [windowId, win] = this.lastWindow;
      if (this.lateMode && win && win.end <= this.watermark) return false;
    }
    const table = this.table(windowId, win);
    const accRows = this.accRows!;
    const index = (table.byKeyText ??= new KeyTextIndex<RowGroup>(accRows.width + 1));
    let at = index.find(keyed);
    if (at < 0) {
      const id = keyed.groupId();
      let group = table.groups.get(id);
      if (group === undefined) {
        // Copies, not slices of the chunk's text, which would stay alive with them.
        group = { id: detached(id), key: keyed.keyValues().map(detached), accs: this.aggs.map((a) => a.init()), first: seq, last: seq, row: -1 };
        table.groups.set(group.id, group);
      }
      at = index.add(keyed, group);
      group.row = at;
      accRows.hold(index.rows, at, group.accs);
    }
    const rows = index.rows;
    if (accRows.held(rows, at)) accRows.add(rows, at, keyed.numbers);
    else addNumbers(this.numberKinds!, index.value(at).accs, keyed.numbers);
    rows[at + accRows.width] = seq;
    return true;
  }

  private table(windowId: string, win: RecordWindow | undefined): Table {
    let table = this.tables.get(windowId);
    if (!table) {
      table = { win, groups: new Map() };
      this.tables.set(windowId, table);
    }
    return table;
  }

  private readonly knownWindow = (id: string): RecordWindow | undefined => this.tables.get(id)?.win;

  /** One record, `seq` its place in the stage's input (the coordinator orders by it). */
  add(record: unknown, seq: number): void {
    const [windowId, win] = recordWindow(record, this.knownWindow);
    if (this.lateMode && win && win.end <= this.watermark) {
      this.late++;
      return;
    }
    const key = this.keys.values(record);
    if (typeof key === 'string') {
      this.bad(key);
      return;
    }
    const aggs = this.aggs;
    for (let i = 0; i < aggs.length; i++) {
      const problem = aggs[i]!.check?.(record);
      if (problem) {
        this.bad(problem);
        return;
      }
    }
    const table = this.table(windowId, win);
    const id = groupId(key);
    let group = table.groups.get(id);
    const isNew = group === undefined;
    if (!group) group = { id, key, accs: aggs.map((a) => a.init()), first: seq, last: seq, row: -1 };
    // Its accumulators are its Acc objects from now on (the row, if it held them, written back).
    else if (group.row >= 0 && this.accRows!.held(table.byKeyText!.rows, group.row)) this.accRows!.release(table.byKeyText!.rows, group.row, group.accs);
    for (let i = 0; i < aggs.length; i++) {
      const problem = aggs[i]!.add(group.accs[i]!, record);
      if (problem) {
        this.bad(problem);
        return;
      }
    }
    group.last = seq;
    if (isNew) table.groups.set(id, group);
  }

  /** Everything aggregated since the last call, and a fresh start. */
  drain(): PartialBatch {
    const windows: PartialWindow[] = [];
    for (const [id, t] of this.tables) {
      const source = t.byKeyText && { accRows: this.accRows!, rows: t.byKeyText.rows };
      windows.push({ id, win: t.win, groups: this.packer.pack([...t.groups.values()], source) });
    }
    const out = { windows, late: this.late };
    this.tables = new Map();
    this.late = 0;
    return out;
  }
}

/** Aggregates whose partials merge into exactly the one-thread result (with first and last ordered by sequence numbers). */
export function combinable(aggregates: readonly AggregateSpec[]): boolean {
  return aggregates.every((a) => a.kind !== 'collect' && a.kind !== 'reduce');
}
