import { fieldSuggestion } from '../suggest.js';
import { isoTime } from '../clock.js';
import { compilePath, isRecordObject } from '../codec.js';
import type { StageContext } from '../context.js';
import type { Control, ControlOf } from '../control.js';
import { Operator } from '../operator.js';
import { DataError, diagnostic } from '../errors.js';
import { formatDuration } from '../duration.js';
import { epochMs, epochTextNumber, MAX_TIME, parseEventTime, parseIsoTime, parseIsoTimeGeneral, type TimeUnit } from '../event-time.js';
import { fastPathsOn } from '../fast/switch.js';
import { topLevelFields, type ReadsFields, type TakesCheckedLines, type TakesLines, type TakesBytes } from '../fast/fields-read.js';
import { IsoTimeReader } from '../fast/iso-time.js';
import { numberValue } from '../fast/flat-fields.js';
import { BlockLayouts } from '../fast/block-layouts.js';
import type { TakenLines } from '../framing.js';
import { unionFields } from '../fast/expression-fields.js';
import { buildKeyExtractor, groupId, type KeyExtractor } from '../grouping.js';
import { ProgressReporter } from '../progress.js';
import type { Stateful } from '../stateful.js';
import type { Downstream } from '../stream.js';
import { WindowLabels, fixedWindows, type TimeWindow, type WindowAssigner, type WindowLabel } from '../window/assigner.js';
import { LateRecords, type LateSpec } from '../window/late-policy.js';
import { SessionTable, type HeldRecord, type Session } from '../window/sessions.js';
import { StateBudget, type StateLimitOptions } from '../window/state-limits.js';
import { WatermarkTracker } from '../window/watermark.js';

export type WindowShape = { kind: 'fixed'; size: number; slide?: number } | { kind: 'session'; gap: number; keyFields: string[] };

export interface WindowOptions {
  shape: WindowShape;
  /** Event time from this field; processing time (the batch's time) when absent. */
  timeField?: string;
  timeUnit?: TimeUnit;
  /** Allowed delay: watermark = max event time seen - delay (event time only). */
  watermarkDelay: number;
  /** Event times further than this ahead of the stage's clock are bad records; 0 = no bound. */
  maxSkew: number;
  late: LateSpec;
  limits: StateLimitOptions;
  /** Writes one progress line per batch. */
  progress?: (line: string) => void;
}

interface Pending {
  record: unknown;
  raw: string | undefined;
  bytes: number;
}

interface WindowSnapshot {
  kind: string;
  v: number;
  watermark: ReturnType<WatermarkTracker['snapshot']>;
  batchTime: number | null;
  pending: [unknown, string | null, number][];
  sessions: [string, Session[]][];
  lateTotal: number;
}

const SNAPSHOT_KIND = 'sluice.window';
const SNAPSHOT_VERSION = 1;

/**
 * `sluice window`: gives each record the window(s) it belongs to, as
 * `window: {start, end}` (one copy per window for sliding windows), keeps the
 * event-time watermark and announces it downstream as a control record at every
 * batch boundary where it moved.
 *
 * Time: with a time field, the record's event time; otherwise processing time,
 * which is the start of the batch the record arrives in (the end of the previous
 * batch boundary; records before the first boundary wait for it). Either way a
 * record's windows and its lateness depend only on the sequence of records and
 * control records before it, never on chunking or speed.
 */
export class WindowOperator extends Operator implements Stateful {
  /** This stage is the watermark's source for everything downstream. */
  protected override readonly ownsWatermarks = true;
  private readonly assigner: WindowAssigner | undefined;
  private readonly sessions: SessionTable | undefined;
  private readonly sessionKey: KeyExtractor | undefined;
  private readonly watermark: WatermarkTracker;
  private readonly late: LateRecords;
  private readonly labels = new WindowLabels();
  private readonly budget: StateBudget;
  private readonly progress: ProgressReporter | undefined;
  /** Processing time of records now arriving (end of the last batch); undefined before the first boundary. */
  private batchTime: number | undefined;
  /** Processing-time records that arrived before the first batch boundary. */
  private pending: Pending[] = [];
  private readonly timeOf: ((r: unknown) => unknown) | undefined;
  /** The latest end of a window this stage emitted: end of input makes everything up to it final. */
  private emittedUpTo = -Infinity;
  private readonly parseIso = fastPathsOn() ? parseIsoTime : parseIsoTimeGeneral;
  /** The next stage forwards lines and reads no field (the writer): a spliced line needs no output record. */
  private readonly nextReadsNothing = fastPathsOn() && (this.next as ReadsFields).readsFields?.length === 0;
  /** The next stage of `sluice run` reads lines itself (its declared takeLine, via the pipe boundary): a spliced line may need no record. */
  private readonly nextTakesLine = fastPathsOn() ? (this.next as TakesLines).takeLine : undefined;
  /** Lines of learned layouts taken a read at a time (takeBlock), when the writer is next and nothing watches each record. */
  readonly takeLineBytes?: (bytes: Buffer, from: number, end: number, maxLineBytes: number) => TakenLines;
  private readonly layouts: BlockLayouts | undefined;
  /** takeBlock hands each spliced line to the next stage's takeLine instead of writing a block of lines. */
  private readonly blockToLineReader: boolean;
  /** ...or, when the next stage takes them so, each line's fields, which the layouts capture (TakesCheckedLines). */
  private readonly checkedTaker: Required<TakesCheckedLines> | undefined;
  /** takeBlock's line ends of the current run. */
  private runEnds: Int32Array = new Int32Array(1024);
  /** takeBlock's reader of the lines' times. */
  private readonly isoTimes = new IsoTimeReader();

  constructor(
    private readonly o: WindowOptions,
    next: Downstream,
    private readonly ctx: StageContext,
  ) {
    super(next);
    if (o.shape.kind === 'fixed') this.assigner = fixedWindows(o.shape.size, o.shape.slide);
    else {
      this.sessions = new SessionTable(o.shape.gap);
      this.sessionKey = buildKeyExtractor({ fields: o.shape.keyFields }, ctx.command);
    }
    if (o.timeField !== undefined) this.timeOf = compilePath(o.timeField);
    this.watermark = new WatermarkTracker(o.timeField === undefined ? 0 : o.watermarkDelay);
    this.late = new LateRecords(o.late);
    this.budget = new StateBudget(o.limits, 'buffered records');
    if (o.progress) this.progress = new ProgressReporter(ctx.command, ctx.clock, o.progress);
    const writer = this.next as Downstream & Partial<TakesBytes>;
    const toWriter = this.nextReadsNothing && typeof writer.byteRoom === 'function';
    // Under `sluice run` the next stage reads each spliced line (tumbling windows only, so a line it declines was not half written).
    this.blockToLineReader = !toWriter && this.nextTakesLine !== undefined && this.assigner?.slide === this.assigner?.size;
    const blockTarget = this.blockToLineReader || toWriter;
    const checked = this.next as TakesCheckedLines;
    this.checkedTaker = this.blockToLineReader && checked.takeChecked && checked.checkedFields ? (checked as Required<TakesCheckedLines>) : undefined;
    if (blockTarget && ctx.maxDepth !== undefined && this.assigner && o.timeField !== undefined && /^[^.]+$/.test(o.timeField) && o.timeField !== '__proto__' && !o.progress) {
      this.layouts = new BlockLayouts(o.timeField, ['window', 'late'], ctx.maxDepth, this.checkedTaker?.checkedFields);
      this.takeLineBytes = (bytes, from, end, maxLineBytes) => this.takeBlock(bytes, from, end, maxLineBytes);
    }
  }

  /** Rows held in state, for the live --status line. */
  stateRows(): number {
    return this.budget.rows;
  }

  data(record: unknown, raw: string | undefined): void {
    this.progress?.input();
    if (this.o.timeField === undefined) {
      if (this.batchTime === undefined) {
        const bytes = heldBytes(raw);
        this.budget.add(1, bytes);
        this.pending.push({ record, raw, bytes });
      } else this.place(record, raw, this.batchTime);
      return;
    }
    const t = isRecordObject(record)
      ? parseEventTime(this.timeOf!(record), this.o.timeField, this.o.timeUnit, this.parseIso)
      : `record is ${JSON.stringify(record)}, not an object with time field '${this.o.timeField}'`;
    if (typeof t === 'string') {
      const missing = isRecordObject(record) && this.timeOf!(record) === undefined;
      this.ctx.errors.bad(missing ? t + fieldSuggestion(this.o.timeField, wholeRecord(record as object, raw)) : t);
      return;
    }
    // Only a new maximum can move the watermark, so only it is checked against the clock.
    if (this.o.maxSkew > 0 && t - this.o.watermarkDelay > this.watermark.current) {
      const now = this.ctx.clock.now();
      if (t > now + this.o.maxSkew) {
        this.ctx.errors.bad(`event time ${isoTime(t)} is more than --max-skew ${formatDuration(this.o.maxSkew)} ahead of the clock (${isoTime(now)}); it would drag the watermark forward`);
        return;
      }
    }
    if (!this.windowsInRange(t)) {
      this.ctx.errors.bad(`event time ${isoTime(t)}: its window would reach outside the range of dates`);
      return;
    }
    this.place(record, raw, t);
    this.watermark.observe(t);
  }

  /** Whether every window of time `t` starts and ends within the range of dates (the range of a Date: its times can be written). */
  private windowsInRange(t: number): boolean {
    const span = this.sessions ? this.sessions.gap : this.assigner!.size;
    if (Math.abs(t) <= MAX_TIME - span) return true;
    if (this.sessions) return t + span <= MAX_TIME;
    const windows = this.assigner!.windowsFor(t);
    return windows[0]!.start >= -MAX_TIME && windows[windows.length - 1]!.end <= MAX_TIME;
  }

  override control(c: Control): void | Promise<void> {
    // Held session records would come out after another partition's marker, and sessions do not move with partitions.
    if (c.type === 'assign' && this.sessions) throw new DataError('session windows cannot keep state per Kafka partition yet (source kafka --changelog); use tumbling or sliding windows');
    return super.control(c);
  }

  protected override onStart(c: ControlOf<'start'>): void {
    // Records of the first batch can be placed at once instead of waiting for its boundary.
    if (this.batchTime === undefined && c.firstBatchStart !== undefined) this.batchTime = c.firstBatchStart;
  }

  /**
   * The fields this stage reads: its time field, the session key, and
   * `window`/`late` (whose presence changes how a record is written), with
   * whatever the stages after it read (see fast/fields-read.ts). Records are
   * written by splicing the window into their line, so the rest of a line
   * need not be parsed.
   */
  get readsFields(): readonly string[] | undefined {
    const own = [this.o.timeField, ...(this.o.shape.kind === 'session' ? this.o.shape.keyFields : []), 'window', 'late'];
    return unionFields(topLevelFields(own.filter((f) => f !== undefined)), (this.next as ReadsFields).readsFields);
  }

  private place(record: unknown, raw: string | undefined, t: number): void {
    const wm = this.watermark.current;
    if (this.sessions) {
      const key = this.sessionKey!.values(record);
      if (typeof key === 'string') {
        this.ctx.errors.bad(key);
        return;
      }
      const bytes = heldBytes(raw);
      if (this.sessions.add(groupId(key), t, { record, raw, bytes }, wm)) this.budget.add(1, bytes);
      else this.onLate(record, raw, [{ start: t, end: t + this.sessions.gap }]);
      return;
    }
    const windows = this.assigner!.windowsFor(t);
    let closed: TimeWindow[] | undefined;
    for (const w of windows) {
      if (w.end > wm) this.emit(record, raw, this.labels.label(w), false);
      else (closed ??= []).push(w);
    }
    if (closed) this.onLate(record, raw, closed);
  }

  /** A record (or some of its sliding-window copies) behind the watermark. */
  private onLate(record: unknown, raw: string | undefined, closed: TimeWindow[]): void {
    this.late.add(record, raw);
    if (this.o.late.kind === 'emit') for (const w of closed) this.emit(record, raw, this.labels.label(w), true);
  }

  private emit(record: unknown, raw: string | undefined, label: WindowLabel, late: boolean): void {
    let obj = isRecordObject(record) ? record : { value: record };
    let line: string | undefined;
    if (raw !== undefined && obj === record && !Object.hasOwn(obj, 'window') && !(late && Object.hasOwn(obj, 'late'))) {
      line = extendObjectText(raw, `"window":${label.json}${late ? ',"late":true' : ''}`);
    } else if (raw !== undefined && obj !== record) {
      line = `{"value":${raw.trim()},"window":${label.json}${late ? ',"late":true' : ''}}`;
    }
    if (label.endMs > this.emittedUpTo) this.emittedUpTo = label.endMs;
    if (line !== undefined && this.nextReadsNothing) {
      this.progress?.output();
      this.next.data(record, line);
      return;
    }
    if (line !== undefined && this.nextTakesLine?.call(this.next, line)) {
      this.progress?.output();
      return;
    }
    // The record may hold only the fields read (readsFields); its line has them all.
    if (line === undefined && raw !== undefined && obj === record) obj = JSON.parse(raw) as Record<string, unknown>;
    const out: Record<string, unknown> = { ...obj, window: { start: label.start, end: label.end } };
    if (late) out['late'] = true;
    this.progress?.output();
    this.next.data(out, line);
  }

  /**
   * The lines of one read, from `from` on, that data() would window without
   * a diagnostic, taken without a record or a line string each (the stage
   * runner's takeLineBytes): a line of a learned layout whose time is one of
   * the common ISO-8601 forms, read in place, or a number (or a string of
   * one) with --time-unit (converted by event-time.ts's epochMs, as data() does). A run of lines that fall into
   * one open window is copied from the read's bytes into the writer's byte
   * buffer in one go, the window spliced in before each line's `}\n` (the
   * byte view makes offsets byte offsets, whatever the lines' characters);
   * late lines and sliding windows line by line, as place() writes them.
   * Stops at the first line it cannot take so (another layout, which it
   * learns; another time form; beyond --max-skew; oversize; shaped like a
   * control record): that line and the rest of the read take the ordinary path.
   */
  private takeBlock(bytes: Buffer, from: number, end: number, maxLineBytes: number): TakenLines {
    const layouts = this.layouts!;
    const assigner = this.assigner!;
    const size = assigner.size;
    const tumbling = assigner.slide === size;
    const watermark = this.watermark;
    const { maxSkew, watermarkDelay } = this.o;
    const unit = this.o.timeUnit;
    const writer = this.next as Downstream & TakesBytes;
    /** Finished lines, in the byte view (layouts.text's slices and ASCII), into the writer's bytes. */
    const write = (s: string, count: number) => {
      const length = s.length;
      const room = writer.byteRoom(length);
      room.write(s, writer.bytesUsed, length, 'latin1');
      writer.addedBytes(length, count);
    };
    // The clock is read once a read (a read is handled in one go, so the clock would not be seen to move within it).
    let now: number | undefined;
    // The current run: lines [run, p) all go to the window starting at runWindow, written with `suffix` in place of `}\n`.
    let run = 0;
    let runLines = 0;
    let runWindow = NaN;
    let suffix = '';
    let windowJson = '';
    const checked = this.checkedTaker;
    const isoTimes = this.isoTimes;
    let suffixBytes: Buffer | undefined;
    let ends = this.runEnds;
    const flushRun = (to: number) => {
      if (runLines > 0) spliceRun(bytes, from, run, ends, runLines, (suffixBytes ??= Buffer.from(suffix, 'latin1')), writer);
      runLines = 0;
      run = to;
    };
    const take = (p: number, eol: number): boolean => {
      const text = layouts.text;
      const t = layouts.fieldIsNumber ? (unit === undefined ? undefined : epochMs(numberValue(text, layouts.fieldFrom, layouts.fieldTo), unit)) : (isoTimes.at(text, layouts.fieldFrom, layouts.fieldTo, bytes, from) ?? this.epochStringTime(text, layouts.fieldFrom, layouts.fieldTo, unit));
      // A time near the end of the range of dates takes the ordinary path, which checks its windows.
      if (t === undefined || Math.abs(t) > MAX_TIME - size) return false;
      const wm = watermark.current;
      if (maxSkew > 0 && t - watermarkDelay > wm && t > (now ??= this.ctx.clock.now()) + maxSkew) return false;
      const start = Math.floor(t / size) * size;
      if (this.blockToLineReader) {
        if (!(start + size > wm)) return false; // late: the ordinary path
        if (start !== runWindow) {
          runWindow = start;
          windowJson = this.labels.label({ start, end: start + size }).json;
          suffix = `,"window":${windowJson}}`;
        }
        if (checked !== undefined ? !checked.takeChecked(layouts, windowJson) : !this.nextTakesLine!.call(this.next, layouts.textOf(p, eol - 1) + suffix)) return false;
        if (start + size > this.emittedUpTo) this.emittedUpTo = start + size;
      } else if (tumbling && start + size > wm) {
        if (start !== runWindow) {
          flushRun(p);
          runWindow = start;
          const label = this.labels.label({ start, end: start + size });
          suffix = `,"window":${label.json}}\n`;
          suffixBytes = undefined;
          if (label.endMs > this.emittedUpTo) this.emittedUpTo = label.endMs;
        }
        if (runLines === ends.length) ends = this.runEnds = growInt32(ends);
        ends[runLines++] = eol;
      } else {
        flushRun(p);
        runWindow = NaN;
        this.placeLine(layouts, p, eol, tumbling ? [{ start, end: start + size }] : assigner.windowsFor(t), wm, write);
        run = eol + 1;
      }
      watermark.observe(t);
      return true;
    };
    return layouts.scan(bytes, from, end, maxLineBytes, take, flushRun, this.ctx.position.line);
  }

  /**
   * The time of the string text[from, to) (not one of the common ISO forms)
   * when it is an epoch number and there is a unit, as parseEventTime reads
   * it; undefined for anything else. The string is the line's text between
   * its quotes, unchecked (BlockLayouts.match): a control character, which
   * would be white space to the number's pattern, makes the line invalid
   * JSON; a backslash is no number's. In the byte view a non-ASCII string
   * never looks like a number (a lead byte is not white space), so what is
   * read is the string itself.
   */
  private epochStringTime(text: string, from: number, to: number, unit: TimeUnit | undefined): number | undefined {
    if (unit === undefined) return undefined;
    for (let i = from; i < to; i++) if (text.charCodeAt(i) < 32) return undefined;
    const n = epochTextNumber(text.slice(from, to));
    return n === undefined ? undefined : epochMs(n, unit);
  }

  /** place() for the line [p, eol) of the scanned read in takeBlock: its lines, in the byte view, go to `write`. */
  private placeLine(layouts: BlockLayouts, p: number, eol: number, windows: TimeWindow[], wm: number, write: (line: string, count: number) => void): void {
    const head = layouts.text.slice(p, eol - 1);
    let closed: TimeWindow[] | undefined;
    const emit = (w: TimeWindow, late: boolean) => {
      const label = this.labels.label(w);
      write(`${head},"window":${label.json}${late ? ',"late":true' : ''}}\n`, 1);
      if (label.endMs > this.emittedUpTo) this.emittedUpTo = label.endMs;
    };
    for (const w of windows) {
      if (w.end > wm) emit(w, false);
      else (closed ??= []).push(w);
    }
    if (closed) {
      this.late.add(null, layouts.textOf(p, eol));
      if (this.o.late.kind === 'emit') for (const w of closed) emit(w, true);
    }
  }

  protected override onBatchEnd(c: ControlOf<'batch'>): void | Promise<void> {
    if (this.o.timeField === undefined) {
      const waiting = this.pending;
      this.pending = [];
      for (const p of waiting) {
        this.budget.remove(1, p.bytes);
        this.place(p.record, p.raw, c.start);
      }
      this.batchTime = c.end;
      this.watermark.observe(c.end);
    }
    if (this.sessions) this.emitSessions(this.sessions.closeUpTo(this.watermark.current));
    const announced = this.announceWatermark();
    this.late.flush();
    this.progress?.batch(c.id, { watermark: this.watermark.current, stateRows: this.budget.rows, lateRows: this.late.takeBatchCount() });
    return announced;
  }

  /** The watermark, when it moved since last announced; always before the control record that follows, so rows it closes belong to that batch. */
  private announceWatermark(): void | Promise<void> {
    const advanced = this.watermark.takeAdvance();
    return advanced === undefined ? undefined : this.emitWatermark(advanced);
  }

  private emitSessions(closed: { session: Session }[]): void {
    for (const { session } of closed) {
      const label = this.labels.label(session);
      for (const item of session.items) {
        this.budget.remove(1, item.bytes);
        this.emit(item.record, item.raw, label, false);
      }
    }
  }

  /**
   * End of input closes everything: held records get the current time, every
   * session is emitted, and the watermark moves to the end of the last window
   * emitted, so those windows are final (a checkpointed rerun treats records
   * for them as late instead of emitting a second partial row).
   */
  protected override onEndOfInput(): void | Promise<void> {
    if (this.pending.length > 0) {
      const now = this.ctx.clock.now();
      for (const p of this.pending.splice(0)) {
        this.budget.remove(1, p.bytes);
        this.place(p.record, p.raw, now);
      }
    }
    if (this.sessions) this.emitSessions(this.sessions.closeAll());
    if (Number.isFinite(this.emittedUpTo)) this.watermark.advanceTo(this.emittedUpTo);
    this.late.flush();
    return this.announceWatermark();
  }

  protected override onClose(): void {
    const summary = this.late.summary();
    if (summary) this.ctx.warn(diagnostic(this.ctx.command, undefined, summary));
  }

  snapshot(): WindowSnapshot {
    return {
      kind: SNAPSHOT_KIND,
      v: SNAPSHOT_VERSION,
      watermark: this.watermark.snapshot(),
      batchTime: this.batchTime ?? null,
      pending: this.pending.map((p): [unknown, string | null, number] => [p.record, p.raw ?? null, p.bytes]),
      sessions: this.sessions?.snapshot() ?? [],
      lateTotal: this.late.total,
    };
  }

  restore(state: unknown): void {
    const s = state as WindowSnapshot;
    if (!isRecordObject(s) || s.kind !== SNAPSHOT_KIND || s.v !== SNAPSHOT_VERSION) {
      throw new Error(`checkpointed state is not window state of version ${SNAPSHOT_VERSION}`);
    }
    this.watermark.restore(s.watermark);
    this.batchTime = s.batchTime ?? undefined;
    this.budget.reset();
    this.pending = s.pending.map(([record, raw, bytes]) => ({ record, raw: raw ?? undefined, bytes }));
    for (const p of this.pending) this.budget.add(1, p.bytes);
    if (this.sessions) {
      const raw = (i: HeldRecord): HeldRecord => ({ ...i, raw: i.raw ?? undefined });
      this.sessions.restore(s.sessions.map(([k, list]) => [k, list.map((x) => ({ ...x, items: x.items.map(raw) }))]));
      this.budget.add(this.sessions.heldRecords, this.sessions.heldBytes);
    }
    this.late.total = s.lateTotal;
  }
}

/** Adds `"k":v` members before the closing brace of a JSON object's exact text; undefined if the text is not an object. */
function extendObjectText(raw: string, members: string): string | undefined {
  const body = raw.trimEnd();
  if (body.charCodeAt(body.length - 1) !== 125 /* } */) return undefined;
  const head = body.slice(0, -1).trimEnd();
  return `${head}${head.endsWith('{') ? '' : ','}${members}}`;
}

/**
 * Writes the run of lines whose LFs are at `ends[0..count)` (offsets into
 * the block that starts at bytes[from], the run starting at `run`), each
 * with its closing `}\n` replaced by `suffix`, into the writer's bytes: the run
 * is copied once, then each line is moved to its place from the last one
 * back, and its suffix written after it, without a string.
 */
function spliceRun(bytes: Buffer, from: number, run: number, ends: Int32Array, count: number, suffix: Buffer, writer: TakesBytes): void {
  const grow = suffix.length - 2;
  const last = ends[count - 1]!;
  const length = last + 1 - run + count * grow;
  const room = writer.byteRoom(length);
  const base = writer.bytesUsed;
  bytes.copy(room, base, from + run, from + last);
  for (let i = count - 1; i >= 0; i--) {
    const start = i === 0 ? run : ends[i - 1]! + 1;
    const head = ends[i]! - 1 - start;
    const at = base + start - run;
    const to = at + i * grow;
    if (i > 0) room.copyWithin(to, at, at + head);
    room.set(suffix, to + head);
  }
  writer.addedBytes(length, count);
}

function growInt32(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

/** Estimated memory of a held record: its parsed object plus its raw line (measured about 5 bytes a character in V8). */
function heldBytes(raw: string | undefined): number {
  return 160 + (raw?.length ?? 100) * 5;
}

/** On an error path only: a record projected by a fast path lacks the fields the suggestion lists, so read them from its line. */
function wholeRecord(record: object, raw: string | undefined): object {
  if (raw === undefined) return record;
  try {
    const parsed: unknown = JSON.parse(raw);
    return isRecordObject(parsed) ? (parsed as object) : record;
  } catch {
    return record;
  }
}
