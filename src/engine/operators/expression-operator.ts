import { asRecord, isPlainJsonString, isRecordObject, textRecordLine } from '../codec.js';
import { Operator } from '../operator.js';
import type { StageContext } from '../context.js';
import { compileExpression } from '../expression.js';
import type { Downstream } from '../stream.js';
import type { ReadsFields, TakesBytes, TakesTextLines, TakesTextValues } from '../fast/fields-read.js';
import { fieldsOfExpression, unionFields } from '../fast/expression-fields.js';
import { fieldSplitOf, forEachPiece, pieceValueLines, splitLinesToBytes, type FieldSplit } from '../fast/field-split.js';
import { stringFieldPrefix } from '../fast/flat-fields.js';
import type { TakenLines } from '../framing.js';

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
  /** A flat map `r.F.split("c")`, run without the array (fast/field-split.ts). */
  private readonly split: FieldSplit | undefined;
  /** map and flat map build new records: the raw input line is never used, so a source need not make one. */
  readonly ignoresRaw: boolean;
  recordsIn = 0;

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
    this.split = kind === 'flat' ? fieldSplitOf(expr) : undefined;
    this.ignoresRaw = kind !== 'filter' && !this.identity;
  }

  /** An identity map reads nothing itself: whatever the stages after it read (see fast/fields-read.ts). */
  get readsFields(): readonly string[] | undefined {
    const next = (this.next as ReadsFields).readsFields;
    if (this.identity) return next;
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
    let result: unknown;
    try {
      result = this.fn(record);
    } catch (err) {
      this.ctx.errors.bad(`expression '${this.expr}' threw: ${(err as Error)?.message ?? String(err)}`);
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
    const direct = (this.next as TakesTextValues).takeTextValue;
    for (const item of result as Iterable<unknown>) {
      if (direct !== undefined && typeof item === 'string' && direct.call(this.next, item)) continue;
      this.emitOne(item, textOut);
    }
  }

  private emitOne(item: unknown, textOut: boolean): void {
    if (textOut && typeof item === 'string') this.next.data({ value: item }, textRecordLine(item));
    else this.next.data(asRecord(item === undefined ? null : item), undefined);
  }

  /** The flat map r.F.split("c") of one record, without the array; false when the field is not a string (the expression then runs). */
  private emitSplit(record: unknown, split: FieldSplit): boolean {
    if (!isRecordObject(record)) return false;
    const s = record[split.field];
    if (typeof s !== 'string') return false;
    const next = this.next as TakesTextValues;
    if (next.takeTextRange !== undefined) {
      const take = this.takeRange ??= next.takeTextRange.bind(next);
      forEachPiece(s, split.separator, take, (piece) => this.emitOne(piece, this.textOut));
      return true;
    }
    const lines = this.textOut && this.writesLines !== undefined ? pieceValueLines(s, split.separator, isPlainJsonString) : undefined;
    if (lines === undefined) return false;
    this.writesLines!.lines(lines.text, lines.count);
    return true;
  }

  private takeRange: ((s: string, from: number, to: number) => boolean) | undefined;

  /**
   * The flat map r.F.split("c") in a stage whose writer takes bytes: input
   * lines `{"F":"text"}` become output lines without being decoded
   * (fast/field-split.ts splitLinesToBytes). Takes nothing otherwise.
   */
  takeLineBytes(bytes: Buffer, from: number, end: number, maxLineBytes: number): TakenLines {
    const plan = (this.byteSplit ??= this.planByteSplit());
    if (plan === false) return { to: from, lines: 0 };
    const taken = splitLinesToBytes(bytes, from, end, maxLineBytes, plan.prefix, plan.separator, plan.out);
    this.recordsIn += taken.lines;
    return taken;
  }

  private byteSplit: { prefix: Buffer; separator: number; out: TakesBytes } | false | undefined;

  private planByteSplit(): { prefix: Buffer; separator: number; out: TakesBytes } | false {
    const split = this.split;
    const out = this.next as Partial<TakesBytes>;
    if (split === undefined || !this.textOut || typeof out.byteRoom !== 'function' || split.separator.charCodeAt(0) > 126) return false;
    const prefix = stringFieldPrefix(split.field);
    // eslint-disable-next-line no-control-regex
    if (!/^[\x20-\x7e]*$/.test(prefix)) return false;
    return { prefix: Buffer.from(prefix, 'latin1'), separator: split.separator.charCodeAt(0), out: out as TakesBytes };
  }

  /** The next stage reads no fields: it wants text lines (the writer). */
  private get textOut(): boolean {
    return (this.next as ReadsFields).readsFields?.length === 0;
  }

  /** The writer after this operator, when it takes many lines at once. */
  private get writesLines(): TakesTextLines | undefined {
    const next = this.next as Partial<TakesTextLines>;
    return typeof next.lines === 'function' ? (next as TakesTextLines) : undefined;
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
