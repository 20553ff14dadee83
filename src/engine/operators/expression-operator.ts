import { asRecord, DEFAULT_MAX_DEPTH, isPlainJsonString, isRecordObject, parseRecord, textRecordLine } from '../codec.js';
import { Operator } from '../operator.js';
import type { StageContext } from '../context.js';
import { compileExpression } from '../expression.js';
import type { Downstream } from '../stream.js';
import type { KeepsByFields, ReadsFields, RecordFilter, TakesBytes, TakesTextLines, TakesTextValues } from '../fast/fields-read.js';
import { readsOnly } from '../fast/reads-only.js';
import { fieldsOfExpression, unionFields } from '../fast/expression-fields.js';
import { bytePlanOf, casedText, forEachPiece, planPieces, splitLinesToBytes, type BytePlan } from '../fast/field-split.js';
import { tokenPlanOf, type TokenPlan } from '../fast/token-plan.js';
import { stringFieldPrefix } from '../fast/flat-fields.js';
import { fastPathsOn } from '../fast/switch.js';
import { AddedMembers, CanonicalLines, mapSpliceOf, SPLICE_MISS_SHARE, splicedLine, type MapSplice } from '../fast/map-splice.js';
import { PathTrial } from '../fast/path-trial.js';
import type { TakenLines } from '../framing.js';
import { FilterLines } from '../fast/filter-lines.js';
import { SpliceLines } from '../fast/splice-lines.js';

const NOTHING_TAKEN: TakenLines = { to: 0, lines: 0 };

export type ExpressionKind = 'map' | 'flat' | 'filter';

type RecordFn = (r: unknown) => unknown;


/**
 * map, flat map and filter share one shape: evaluate the expression with the
 * record as `r`, then emit zero, one or many records. A throwing expression is a
 * bad record under --on-error.
 */
export class ExpressionOperator extends Operator {
  private readonly fn: RecordFn;
  private readonly identity: boolean;
  private readonly exprFields: string[] | undefined;
  /** A flat map that tokenises a field (`r.F.toLowerCase().split(/\s+/)`, ...), run as a plan without the arrays (fast/token-plan.ts). */
  private readonly split: TokenPlan | undefined;
  /** A map `({...r, k: e})`: its output lines are input lines with the new fields spliced in (fast/map-splice.ts). */
  private readonly splice: (MapSplice & { fn: RecordFn; lines: CanonicalLines; members: AddedMembers; trial: PathTrial }) | undefined;
  /** map and flat map build new records: the raw input line is never used (but by the splice), so a source need not make one. */
  readonly ignoresRaw: boolean;
  recordsIn = 0;
  private readonly fast = fastPathsOn();

  constructor(
    private readonly kind: ExpressionKind,
    private readonly expr: string,
    next: Downstream,
    private readonly ctx: StageContext,
  ) {
    super(next);
    this.fn = compileExpression<RecordFn>(expr, ['r'], `${ctx.command} expression`);
    this.identity = kind === 'map' && expr.trim() === 'r';
    this.exprFields = fieldsOfExpression(expr);
    this.split = kind === 'flat' ? checkedPlan(tokenPlanOf(expr), this.fn) : undefined;
    const splice = kind === 'map' ? mapSpliceOf(expr) : undefined;
    this.splice = splice && {
      ...splice,
      fn: compileExpression<RecordFn>(splice.added, ['r'], `${ctx.command} expression`),
      lines: new CanonicalLines(splice.reads, splice.keys, ctx.maxDepth ?? DEFAULT_MAX_DEPTH),
      members: new AddedMembers(splice.keys),
      trial: new PathTrial(SPLICE_MISS_SHARE),
    };
    this.ignoresRaw = kind !== 'filter' && !this.identity && this.splice === undefined;
  }

  /** An identity map reads nothing itself: whatever the stages after it read (see fast/fields-read.ts). */
  get readsFields(): readonly string[] | undefined {
    const next = (this.next as ReadsFields).readsFields;
    if (this.identity) return next;
    // Spliced lines need only the fields the added ones read, when the next stage wants lines.
    if (this.splice !== undefined) return next?.length === 0 ? this.splice.reads : undefined;
    // A filter passes its input record on; map and flat map build new ones.
    return this.kind === 'filter' ? unionFields(this.exprFields, next) : this.exprFields;
  }

  data(record: unknown, raw: string | undefined): void {
    this.recordsIn++;
    if (this.identity) {
      this.next.data(isRecordObject(record) ? record : asRecord(record), isRecordObject(record) ? raw : undefined);
      return;
    }
    if (this.split !== undefined && this.emitSplit(record, this.split)) return;
    if (this.splice !== undefined && raw !== undefined && this.textOut) {
      if (this.trySplice(this.splice, raw)) return;
      // The record may hold only the fields the added ones read (readsFields): the expression gets it whole.
      record = JSON.parse(raw);
    }
    this.evaluate(record, raw);
  }

  /** The expression on one whole record, and what it gives to the next stage. */
  private evaluate(record: unknown, raw: string | undefined): void {
    let result: unknown;
    try {
      result = this.fn(record);
    } catch (err) {
      this.threw(err);
      return;
    }
    switch (this.kind) {
      case 'filter':
        // The original line is forwarded unchanged: a filter selects, it does not edit.
        if (result) this.next.data(record, raw);
        return;
      case 'map':
        this.next.data(asRecord(result === undefined ? null : result), undefined);
        return;
      case 'flat':
        this.emitMany(result);
    }
  }

  /** The expression threw for the record at the current position: a bad record under --on-error. */
  private threw(err: unknown): void {
    this.ctx.errors.bad(`expression '${this.expr}' threw: ${(err as Error)?.message ?? String(err)}`);
  }

  /**
   * A filter whose next stage is the writer (or, under `sluice run`, filters
   * it folds and then the writer: planFilterLines) takes the lines of a read
   * itself, in the byte view (fast/filter-lines.ts): kept lines go out as
   * their input bytes.
   */
  takeText(text: string, bytes: Buffer, bytesFrom: number, decode: boolean, maxLineBytes: number): TakenLines {
    const lines = (this.filterLines ??= this.planFilterLines());
    if (lines === false) return NOTHING_TAKEN;
    const taken = lines.take(text, bytes, bytesFrom, decode, maxLineBytes);
    this.recordsIn += taken.lines;
    return taken;
  }

  private filterLines: FilterLines | false | undefined;

  /**
   * The lines of a read, kept by this filter and by the filters after it that
   * declare themselves (KeepsByFields: `sluice run 'filter A | filter B'`)
   * up to the writer, each over its fields of one record: folded when every
   * filter whose kept records go on to another cannot change them.
   */
  private planFilterLines(): FilterLines | false {
    const maxDepth = this.ctx.maxDepth;
    const own = this.keeps;
    if (own === undefined || maxDepth === undefined) return false;
    const filters: RecordFilter[] = [own];
    let last = own;
    for (let after = keptBy(last.next); after !== undefined && last.readsOnly; after = keptBy(last.next)) {
      filters.push(after);
      last = after;
    }
    const out = last.next as Partial<TakesBytes> & ReadsFields;
    if (out.readsFields?.length !== 0 || typeof out.byteRoom !== 'function') return false;
    let fields: readonly string[] | undefined = [];
    for (const f of filters) fields = unionFields(fields, f.fields);
    if (fields === undefined || !FilterLines.usable(fields)) return false;
    if (filters.length === 1) return new FilterLines(fields, maxDepth, own.test, out as TakesBytes, this.ctx.position);
    const fold = new FilterFold(filters);
    return new FilterLines(fields, maxDepth, fold.keep, out as TakesBytes, this.ctx.position, fold);
  }

  /** This filter as a predicate over its fields (KeepsByFields), for a filter before it in the same process; absent for map and flat map, an expression that may read the whole record, and with fast paths off. */
  get keeps(): RecordFilter | undefined {
    if (this.kind !== 'filter' || !this.fast || this.exprFields === undefined) return undefined;
    return (this.asFilter ??= {
      fields: this.exprFields,
      test: this.fn,
      readsOnly: readsOnly(this.expr),
      next: this.next,
      took: (records) => {
        this.recordsIn += records;
      },
    });
  }

  private asFilter: RecordFilter | undefined;

  /**
   * A line the stage has not parsed: a spliced map takes every one. A
   * canonical line is spliced, reading only the fields its added ones need
   * (one scan, see fast/map-splice.ts CanonicalLines); any other is parsed
   * here as the stage runner would, and mapped whole, so a line is never
   * checked twice nor projected for nothing. False: no splice here.
   */
  takeLine(line: string): boolean {
    const splice = this.splice;
    const maxDepth = this.ctx.maxDepth;
    if (splice === undefined || maxDepth === undefined || !this.textOut) return false;
    if (this.trySplice(splice, line)) {
      this.recordsIn++;
      return true;
    }
    let record: unknown;
    try {
      record = parseRecord(line, maxDepth);
    } catch (err) {
      this.ctx.errors.bad((err as Error).message);
      return true;
    }
    this.recordsIn++;
    this.evaluate(record, line);
    return true;
  }

  /** Splices the line when it is canonical (and checking is worth it: see PathTrial). */
  private trySplice(splice: NonNullable<ExpressionOperator['splice']>, line: string): boolean {
    if (splice.trial.skip()) return false;
    const record = splice.lines.read(line);
    if (record !== undefined && this.emitSpliced(record, line, splice)) {
      splice.trial.tried(1, 0);
      return true;
    }
    splice.trial.tried(0, 1);
    return false;
  }

  /**
   * The map ({...r, k: e}) of a canonical line: the line with the added
   * fields' members spliced in. False when the added fields throw or cannot be
   * serialised: the general path then says so, as it would have.
   */
  private emitSpliced(record: Record<string, unknown>, raw: string, splice: NonNullable<ExpressionOperator['splice']>): boolean {
    let line: string | undefined;
    try {
      line = splicedLine(raw, splice.lines, splice.members, splice.fn(record) as Record<string, unknown>);
    } catch {
      return false;
    }
    if (line === undefined) return false;
    this.next.data(record, line);
    return true;
  }

  private emitMany(result: unknown): void {
    if (result === undefined || result === null) return;
    if (typeof result !== 'object' || typeof (result as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      this.ctx.errors.bad(`flat map expression '${this.expr}' returned ${typeof result}, not an array`);
      return;
    }
    // A writer that reads no fields only wants text: {"value": s} lines are built directly.
    const textOut = this.textOut;
    if (textOut && this.writesLines !== undefined && allPlainStrings(result)) {
      this.writesLines.lines(valueLines(result), result.length);
      return;
    }
    // A reduce-by-key value --count next in the same process counts strings without a {value} record.
    const direct = this.fast ? (this.next as TakesTextValues).takeTextValue : undefined;
    for (const item of result as Iterable<unknown>) {
      if (direct !== undefined && typeof item === 'string' && direct.call(this.next, item)) continue;
      this.emitOne(item, textOut);
    }
  }

  private emitOne(item: unknown, textOut: boolean): void {
    if (textOut && typeof item === 'string') this.next.data({ value: item }, textRecordLine(item));
    else this.next.data(asRecord(item === undefined ? null : item), undefined);
  }

  /** The flat map's token plan on one record; false when the field is not a string (the expression then runs). */
  private emitSplit(record: unknown, plan: TokenPlan): boolean {
    if (!isRecordObject(record)) return false;
    const s = record[plan.field];
    if (typeof s !== 'string') return false;
    const next = this.next as TakesTextValues;
    if (next.takeTextPieces !== undefined && next.takeTextPieces(plan, casedText(plan, s), this.emitPiece)) return true;
    if (next.takeTextRange !== undefined) {
      const take = this.takeRange ??= next.takeTextRange.bind(next);
      forEachPiece(plan, casedText(plan, s), take, (piece) => this.emitOne(piece, this.textOut));
      return true;
    }
    this.emitMany(planPieces(plan, s));
    return true;
  }

  private takeRange: ((s: string, from: number, to: number) => boolean) | undefined;
  private readonly emitPiece = (piece: string): void => this.emitOne(piece, this.textOut);

  /**
   * The flat map's token plan in a stage whose writer takes bytes: input lines
   * `{"F":"text"}` with ASCII text become output lines without being decoded
   * (fast/field-split.ts splitLinesToBytes). Takes nothing otherwise.
   */
  takeLineBytes(bytes: Buffer, from: number, end: number, maxLineBytes: number): TakenLines {
    if (this.splice !== undefined) return this.spliceLineBytes(bytes, from, end, maxLineBytes);
    const plan = (this.byteSplit ??= this.planByteSplit());
    if (plan === false) return NOTHING_TAKEN;
    const taken = splitLinesToBytes(bytes, from, end, maxLineBytes, plan.prefix, plan.plan, plan.out);
    this.recordsIn += taken.lines;
    return taken;
  }

  private byteSplit: { prefix: Buffer; plan: BytePlan; out: TakesBytes } | false | undefined;

  /** A spliced map whose next stage is the writer takes the undecoded lines of a read (fast/splice-lines.ts). */
  private spliceLineBytes(bytes: Buffer, from: number, end: number, maxLineBytes: number): TakenLines {
    const lines = (this.spliceLines ??= this.planSpliceLines());
    if (lines === false) return NOTHING_TAKEN;
    const taken = lines.take(bytes, from, end, maxLineBytes);
    this.recordsIn += taken.lines;
    return taken;
  }

  private spliceLines: SpliceLines | false | undefined;

  private planSpliceLines(): SpliceLines | false {
    const splice = this.splice;
    const out = this.next as Partial<TakesBytes>;
    const maxDepth = this.ctx.maxDepth;
    if (splice === undefined || maxDepth === undefined || !this.textOut || typeof out.byteRoom !== 'function') return false;
    const lines = new CanonicalLines(splice.reads, splice.keys, maxDepth, true);
    return new SpliceLines(lines, splice.members, splice.fn, this.fn, splice.trial, maxDepth, out as TakesBytes, this.ctx.position);
  }

  private planByteSplit(): { prefix: Buffer; plan: BytePlan; out: TakesBytes } | false {
    const split = this.split;
    const out = this.next as Partial<TakesBytes>;
    if (split === undefined || !this.textOut || typeof out.byteRoom !== 'function') return false;
    const plan = bytePlanOf(split);
    const prefix = stringFieldPrefix(split.field);
    // eslint-disable-next-line no-control-regex
    if (plan === undefined || !/^[\x20-\x7e]*$/.test(prefix)) return false;
    return { prefix: Buffer.from(prefix, 'latin1'), plan, out: out as TakesBytes };
  }

  /** The next stage reads no fields: it wants text lines (the writer). */
  private get textOut(): boolean {
    return this.fast && (this.next as ReadsFields).readsFields?.length === 0;
  }

  /** The writer after this operator, when it takes many lines at once. */
  private get writesLines(): TakesTextLines | undefined {
    const next = this.next as Partial<TakesTextLines>;
    return typeof next.lines === 'function' ? (next as TakesTextLines) : undefined;
  }
}

/** The filter a stage declares (KeepsByFields), through the boundary of `sluice run`. */
function keptBy(next: Downstream): RecordFilter | undefined {
  return (next as KeepsByFields).keeps;
}

/**
 * Consecutive filters as one predicate: each filter's test in turn, on the
 * same record, stopping at the first that does not keep it. A record whose
 * tests returned counts as taken by every filter it reached (RecordFilter.took),
 * told once per read (FilterLines.take); one whose test threw counts for
 * nobody here: the general path takes it again from the first filter.
 */
class FilterFold {
  /** stops[i]: records the filter i did not keep (i = filters.length: kept by all). */
  private readonly stops: number[];
  readonly keep: (r: unknown) => boolean;

  constructor(private readonly filters: readonly RecordFilter[]) {
    const stops = (this.stops = new Array<number>(filters.length + 1).fill(0));
    const tests = filters.map((f) => f.test);
    const n = tests.length;
    this.keep = (r) => {
      let i = 0;
      while (i < n && tests[i]!(r)) i++;
      stops[i]!++;
      return i === n;
    };
  }

  /** Tells every filter after the first the records that reached it since the last call. */
  counted(): void {
    const stops = this.stops;
    let reached = stops[stops.length - 1]!;
    for (let i = this.filters.length - 1; i >= 1; i--) {
      reached += stops[i]!;
      if (reached > 0) this.filters[i]!.took(reached);
    }
    stops.fill(0);
  }
}

/** True for a non-empty array of strings that JSON.stringify would write as they are. */
function allPlainStrings(result: unknown): result is string[] {
  if (!Array.isArray(result) || result.length === 0) return false;
  for (let i = 0; i < result.length; i++) {
    const item: unknown = result[i];
    if (typeof item !== 'string' || !isPlainJsonString(item)) return false;
  }
  return true;
}

/** The lines {"value":s} for plain strings s (see allPlainStrings), newline-separated: one join. */
function valueLines(items: string[]): string {
  return `{"value":"${items.join('"}\n{"value":"')}"}`;
}

/**
 * Text that exercises a token plan: every ASCII character, Unicode white
 * space, letters whose case changes length or depends on context, surrogates.
 */
const PLAN_PROBE = `${Array.from({ length: 128 }, (_, c) => String.fromCharCode(c)).join('')}  a\u00a0\u1680b\u2000\u2028\u3000\ufeffc  İΣσ ΑΣ ß ǅ \ud83d\ude00 \ud800 x,,y;;z--é\t\tÉ `;

/**
 * The plan, when it gives what the compiled expression gives on the probe
 * text: a guard against a plan that misreads an expression.
 */
function checkedPlan(plan: TokenPlan | undefined, fn: RecordFn): TokenPlan | undefined {
  if (plan === undefined) return undefined;
  try {
    const probe = [PLAN_PROBE, PLAN_PROBE + 'a', '', ' ', 'A'];
    for (const text of probe) {
      const expected = fn({ [plan.field]: text });
      if (!Array.isArray(expected) || JSON.stringify(expected) !== JSON.stringify(planPieces(plan, text))) return undefined;
    }
  } catch {
    return undefined;
  }
  return plan;
}
