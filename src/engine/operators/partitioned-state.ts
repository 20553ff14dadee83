import type { Control, ControlOf, KafkaOffset } from '../control.js';
import { DataError } from '../errors.js';
import type { ReadsFields, TakesLines } from '../fast/fields-read.js';
import type { Stateful } from '../stateful.js';
import type { Downstream } from '../stream.js';

/** A stateful operator (reduce-by-key) as the partitioned stage builds one per partition. */
export type PartitionOperator = Downstream & Stateful & TakesLines & ReadsFields & { stateRows?(): number };

interface Partition {
  op: PartitionOperator;
  /** Rows the partition's operator emitted since the last batch boundary. */
  rows: [unknown, string | undefined][];
  /** Something changed since the state was last passed on (records, rows, a restore not yet matched by a batch). */
  dirty: boolean;
}

/** Swallows the control records a partition's operator forwards: the stage forwards each one once. */
const NO_CONTROL = (): undefined => undefined;

/**
 * State per Kafka source partition (issue 14.3), so a partition's state can
 * move to whichever copy owns the partition next. The stream says which
 * partitions this copy owns (`assign`) and which partition the records that
 * follow come from (`part`); each partition gets its own operator, built by
 * `make`. Its rows are held until the batch boundary and then written after a
 * `part` marker, followed by one `state` record per partition that changed
 * (its snapshot and its position in the batch), which a changelog sink writes
 * in the batch's transaction. A revoked partition's state and held rows are
 * dropped: the next owner restores the state its last committed batch left and
 * reads on from that batch's position, so the rows come out there, once.
 * `restore` records from the source (read from the changelog) rebuild a newly
 * assigned partition's state before any of its records arrive.
 *
 * Before the first `assign` (not a Kafka source with --changelog) everything
 * goes to one operator writing straight downstream, as without partitions.
 */
export class PartitionedState implements Downstream {
  private readonly plain: PartitionOperator;
  private current: PartitionOperator;
  private readonly partitions = new Map<number, Partition>();
  private topic: string | undefined;
  private start: ControlOf<'start'> | undefined;
  readonly readsFields: readonly string[] | undefined;
  takeLine?: (line: string) => boolean;
  takeLineBytes?: TakesLines['takeLineBytes'];

  constructor(
    private readonly make: (next: Downstream) => PartitionOperator,
    private readonly stage: string,
    private readonly next: Downstream,
  ) {
    this.plain = make(next);
    this.current = this.plain;
    this.readsFields = this.plain.readsFields;
    // The fast paths go to the operator of the partition now being read.
    if (this.plain.takeLine) this.takeLine = (line) => this.current.takeLine!(line);
    if (this.plain.takeLineBytes) this.takeLineBytes = (bytes, from, end, max) => this.current.takeLineBytes!(bytes, from, end, max);
  }

  stateRows(): number {
    let n = this.plain.stateRows?.() ?? 0;
    for (const p of this.partitions.values()) n += p.op.stateRows?.() ?? 0;
    return n;
  }

  data(record: unknown, raw: string | undefined): void {
    this.current.data(record, raw);
  }

  control(c: Control): void | Promise<void> {
    switch (c.type) {
      case 'assign':
        this.assign(c);
        return this.next.control(c);
      case 'part': {
        const p = this.owned(c.partition, 'a record');
        p.dirty = true;
        this.current = p.op;
        // Not forwarded: this stage's own rows are marked with their partition at the boundary.
        return undefined;
      }
      case 'restore': {
        if (c.stage !== this.stage) return this.next.control(c);
        const p = this.owned(c.partition, 'restored state');
        try {
          p.op.restore(c.state);
        } catch (err) {
          throw new DataError(`the changelog's state of partition ${c.partition} for ${this.stage} cannot be restored: ${(err as Error).message}`);
        }
        p.rows = [];
        return undefined;
      }
      case 'start':
        this.start = c;
        return this.broadcast(c);
      case 'batch':
      case 'watermark':
      case 'end':
      case 'eos':
        return this.broadcast(c);
      default:
        return this.next.control(c);
    }
  }

  /** Every partition's operator handles `c`; at a batch boundary their rows and changed states go out before it. */
  private broadcast(c: Control): void | Promise<void> {
    const waits: (void | Promise<void>)[] = [];
    for (const p of this.partitions.values()) waits.push(p.op.control(c));
    if (c.type === 'batch') this.flush(c);
    waits.push(this.plain.control(c));
    const pending = waits.filter((w): w is Promise<void> => w instanceof Promise);
    return pending.length > 0 ? Promise.all(pending).then(() => undefined) : undefined;
  }

  private flush(c: ControlOf<'batch'>): void {
    for (const [partition, p] of this.partitions) {
      if (p.rows.length > 0) {
        this.next.control({ type: 'part', partition });
        for (const [row, raw] of p.rows) this.next.data(row, raw);
        p.rows = [];
        p.dirty = true;
      }
      const offset = c.positions?.[`kafka:${this.topic}:${partition}`];
      // Without its position the batch does not cover the partition (not read yet, or being revoked).
      if (!p.dirty || !isOffset(offset)) continue;
      this.next.control({ type: 'state', partition, stage: this.stage, offset, state: p.op.snapshot() as Record<string, unknown> });
      p.dirty = false;
    }
  }

  private assign(c: ControlOf<'assign'>): void {
    if (this.topic !== undefined && this.topic !== c.topic) throw new DataError(`partitions of topic ${c.topic} assigned after partitions of ${this.topic}: partition state follows one topic`);
    this.topic = c.topic;
    const owned = new Set(c.partitions);
    for (const partition of [...this.partitions.keys()]) if (!owned.has(partition)) this.partitions.delete(partition);
    for (const partition of owned) {
      if (this.partitions.has(partition)) continue;
      const p: Partition = { op: undefined!, rows: [], dirty: false };
      p.op = this.make({ data: (row, raw) => void p.rows.push([row, raw]), control: NO_CONTROL });
      if (this.start) void p.op.control(this.start);
      this.partitions.set(partition, p);
    }
    // Records come after a `part` marker; until one arrives, none is expected.
    this.current = this.plain;
  }

  private owned(partition: number, what: string): Partition {
    const p = this.partitions.get(partition);
    if (!p) throw new DataError(`${what} of partition ${partition}, which the source has not assigned to this copy`);
    return p;
  }
}

function isOffset(x: unknown): x is KafkaOffset {
  return (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0) || (typeof x === 'string' && /^[0-9]{1,19}$/.test(x));
}
