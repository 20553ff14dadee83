import { isoTime } from '../clock.js';
import type { Control } from '../control.js';
import type { StageContext } from '../context.js';
import { buildAggregate, nonFiniteFields, type Acc, type Aggregate, type AggregateSpec } from '../aggregates.js';
import { buildKeyExtractor, groupId, type KeyExtractor, type KeySpec } from '../grouping.js';
import type { Downstream } from '../stream.js';

export interface ReduceOptions {
  key: KeySpec;
  aggregates: AggregateSpec[];
}

interface Group {
  key: unknown[];
  accs: Acc[];
}

/**
 * reduce-by-key in per-batch mode (Spark DStream's reduceByKey): each batch's own
 * result, one row per key, emitted when the batch boundary arrives.
 */
export class ReduceByKeyOperator implements Downstream {
  private readonly keys: KeyExtractor;
  private readonly aggs: Aggregate[];
  private groups = new Map<string, Group>();

  constructor(
    options: ReduceOptions,
    private readonly next: Downstream,
    private readonly ctx: StageContext,
  ) {
    this.keys = buildKeyExtractor(options.key, ctx.command);
    this.aggs = options.aggregates.map(buildAggregate);
  }

  data(record: unknown): void {
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
    const id = groupId(key);
    let group = this.groups.get(id);
    const isNew = group === undefined;
    if (!group) group = { key, accs: this.aggs.map((a) => a.init()) };
    for (let i = 0; i < this.aggs.length; i++) {
      const problem = this.aggs[i]!.add(group.accs[i]!, record);
      if (problem) {
        this.ctx.errors.bad(problem);
        return;
      }
    }
    if (isNew) this.groups.set(id, group);
  }

  control(c: Control): void | Promise<void> {
    if (c.type === 'batch') this.emitBatch(c.start, c.end);
    return this.next.control(c);
  }

  private emitBatch(start: number, end: number): void {
    const window = { start: isoTime(start), end: isoTime(end) };
    const names = this.aggs.map((a) => a.name);
    for (const group of this.groups.values()) {
      const row: Record<string, unknown> = { window };
      this.keys.names.forEach((n, i) => (row[n] = group.key[i]));
      this.aggs.forEach((a, i) => (row[a.name] = a.result(group.accs[i]!)));
      const bad = nonFiniteFields(row, names);
      if (bad.length > 0) {
        this.ctx.errors.badAt('output', JSON.stringify(group.key), `aggregate ${bad.join(', ')} is not finite (overflow or an infinite input); written as null`);
        for (const n of bad) row[n] = null;
      }
      this.next.data(row, undefined);
    }
    this.groups = new Map();
  }
}
