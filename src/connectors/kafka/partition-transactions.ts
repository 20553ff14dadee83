import type { Message, Producer } from 'kafkajs';
import type { Control, ControlOf } from '../../engine/control.js';
import { DataError } from '../../engine/errors.js';
import type { Downstream } from '../../engine/stream.js';
import { kafkaOffsets } from './client.js';
import { OutgoingMessages } from './outgoing-message.js';
import { SendQueue } from './send-queue.js';
import { retryConcurrent } from './producer-sink.js';

/** Sends of one transaction go out in chunks of at most this many messages. */
const CHUNK = 2_000;

/**
 * The transactional id of input partition p's transactions: shared by every
 * copy, so the partition's next owner fences the previous one (the
 * pre-KIP-447 Kafka Streams scheme; kafkajs has no group-metadata fencing).
 */
export function partitionTransactionalId(changelog: string, partition: number): string {
  return `sluice-${changelog}-${partition}`;
}

/** kafkajs's error when a newer producer with the same transactional id exists (or the coordinator bumped the epoch). */
export function isFenced(err: unknown): boolean {
  const e = err as { type?: unknown; message?: unknown } | undefined;
  return /INVALID_PRODUCER_EPOCH|PRODUCER_FENCED/.test(String(e?.type)) || /fenced|old epoch/i.test(String(e?.message));
}

export interface PartitionTransactionsOptions {
  /** Resolves once the topics are known to exist; nothing is sent before. */
  connected: Promise<void>;
  /** A transactional producer for input partition p (transactional id partitionTransactionalId). */
  producer(partition: number): Producer;
  topic: string;
  changelog: string;
  keyField?: string;
  /** Consumer group whose offsets the transactions commit. */
  group(sourceTopic: string): string;
  onUnserialisable(err: Error): void;
  /** A partition's batch was fenced off: another copy owns the partition now. */
  onFenced(partition: number): void;
  /** A state restored from the changelog that no stage took (no --partition-state stage of that name). */
  onUnclaimedState(stage: string): void;
  /**
   * Whether the group's current (stable) assignment gives `partition` of
   * `topic` to `member`: asked when a transaction was fenced, to tell a copy
   * that lost the partition from one fenced by a member that had it only briefly.
   */
  owns(group: string, member: string, topic: string, partition: number): Promise<boolean>;
}

interface Pending {
  rows: Message[];
  states: Message[];
}

/**
 * `sink kafka --transactional --changelog T` (issue 14.3): one transaction per
 * input partition and batch, holding the rows that came from the partition
 * (after its `part` marker), its states for the changelog and its offset, with
 * a producer whose transactional id belongs to the partition. So the rows,
 * state and offset of a partition commit or abort together, and when the
 * partition moves, the new owner's source fences this copy's producer before
 * it restores the state: a batch this copy still had in its pipes is refused
 * (dropped here; the new owner reads it again from the restored state's
 * offset) instead of committing behind the new owner's back.
 */
export class PartitionTransactions implements Downstream {
  private current: number | undefined;
  /** The source's group member id and topic, from the last `assign`. */
  private member: string | undefined;
  private sourceTopic: string | undefined;
  private pending = new Map<number, Pending>();
  private readonly producers = new Map<number, Producer>();
  private readonly offsetsSent = new Map<number, string>();
  /** Partitions whose transaction was fenced: everything of them is dropped until the next assignment, which must not hold them. */
  private readonly fenced = new Set<number>();
  private readonly unclaimed = new Set<string>();
  private readonly queue: SendQueue;
  private readonly outgoing: OutgoingMessages;
  recordsOut = 0;

  constructor(private readonly o: PartitionTransactionsOptions) {
    this.outgoing = new OutgoingMessages(o.keyField, o.onUnserialisable);
    this.queue = new SendQueue(o.connected);
  }

  data(record: unknown, raw: string | undefined): void {
    if (this.queue.failure) throw this.queue.failure;
    if (this.current === undefined) {
      throw new DataError('a record that no partition marker attributes to an input partition: with --changelog every stage between source kafka --changelog and this sink must keep the partition markers (a stateful stage needs --partition-state)');
    }
    const message = this.outgoing.of(record, raw);
    if (message === undefined) return;
    this.of(this.current).rows.push(message);
    this.recordsOut++;
  }

  control(c: Control): void | Promise<void> {
    switch (c.type) {
      case 'part':
        this.current = c.partition;
        return;
      case 'restore':
        if (!this.unclaimed.has(c.stage)) {
          this.unclaimed.add(c.stage);
          this.o.onUnclaimedState(c.stage);
        }
        return;
      case 'state':
        this.of(c.partition).states.push({ key: c.stage, value: JSON.stringify({ stage: c.stage, partition: c.partition, offset: c.offset, state: c.state }), partition: c.partition });
        return;
      case 'assign':
        this.assign(c);
        return this.queue.settled();
      case 'batch': {
        const batch = this.pending;
        this.pending = new Map();
        this.queue.enqueue(() => this.commit(batch, c.positions));
        return this.queue.settled();
      }
      case 'eos':
        return this.queue.settled();
      default:
        return;
    }
  }

  /** Disconnects every producer (the stage ends or failed: an open transaction is aborted by the next owner's fence or the timeout). */
  async close(): Promise<void> {
    await this.queue.drained();
    await Promise.all([...this.producers.values()].map((p) => p.disconnect().catch(() => undefined)));
    this.producers.clear();
  }

  private of(partition: number): Pending {
    let p = this.pending.get(partition);
    if (!p) this.pending.set(partition, (p = { rows: [], states: [] }));
    return p;
  }

  private assign(c: ControlOf<'assign'>): void {
    const owned = new Set(c.partitions);
    this.current = undefined;
    this.member = c.member;
    this.sourceTopic = c.topic;
    const kept = [...this.fenced].filter((p) => owned.has(p));
    if (kept.length > 0) {
      this.queue.failure = new DataError(`the transaction of partition ${kept[0]} was fenced while this copy still owns it (another producer with its transactional id ${partitionTransactionalId(this.o.changelog, kept[0]!)}?); stopping so that a restart restores its state`);
    }
    this.fenced.clear();
    for (const p of [...this.pending.keys()]) if (!owned.has(p)) this.pending.delete(p);
    this.queue.enqueue(async () => {
      for (const [p, producer] of [...this.producers]) {
        if (owned.has(p)) continue;
        this.producers.delete(p);
        this.offsetsSent.delete(p);
        await producer.disconnect().catch(() => undefined);
      }
    });
  }

  private async commit(batch: Map<number, Pending>, positions: Record<string, unknown> | undefined): Promise<void> {
    const offsets = new Map<number, { topic: string; offset: string }>();
    for (const o of kafkaOffsets(positions)) if (this.offsetsSent.get(o.partition) !== o.offset) offsets.set(o.partition, o);
    for (const p of new Set([...batch.keys(), ...offsets.keys()])) {
      if (this.fenced.has(p)) continue;
      const pending = batch.get(p) ?? { rows: [], states: [] };
      const offset = offsets.get(p);
      try {
        await this.commitPartition(p, pending, offset);
      } catch (err) {
        if (!isFenced(err)) throw err;
        await this.dropProducer(p);
        // Fenced by a member that held the partition only briefly (its restore fenced, then a
        // rebalance gave the partition back here): this copy owns it, so it takes the id back.
        if (!(await this.stillOwned(p))) {
          this.fenced.add(p);
          this.o.onFenced(p);
          continue;
        }
        await this.commitPartition(p, pending, offset);
      }
      if (offset) this.offsetsSent.set(p, offset.offset);
    }
  }

  private async dropProducer(p: number): Promise<void> {
    const producer = this.producers.get(p);
    this.producers.delete(p);
    this.offsetsSent.delete(p);
    await producer?.disconnect().catch(() => undefined);
  }

  private async stillOwned(p: number): Promise<boolean> {
    if (this.member === undefined || this.sourceTopic === undefined) return false;
    return this.o.owns(this.o.group(this.sourceTopic), this.member, this.sourceTopic, p);
  }

  private async commitPartition(p: number, pending: Pending, offset: { topic: string; offset: string } | undefined): Promise<void> {
    if (pending.rows.length === 0 && pending.states.length === 0 && !offset) return;
    let producer = this.producers.get(p);
    if (!producer) {
      producer = this.o.producer(p);
      this.producers.set(p, producer);
      await producer.connect();
    }
    const txn = await retryConcurrent(() => producer.transaction());
    try {
      for (let i = 0; i < pending.rows.length; i += CHUNK) await txn.send({ topic: this.o.topic, messages: pending.rows.slice(i, i + CHUNK) });
      if (pending.states.length > 0) await txn.send({ topic: this.o.changelog, messages: pending.states });
      if (offset) {
        const topics = [{ topic: offset.topic, partitions: [{ partition: p, offset: offset.offset }] }];
        await retryConcurrent(() => txn.sendOffsets({ consumerGroupId: this.o.group(offset.topic), topics }));
      }
      await txn.commit();
    } catch (err) {
      if (txn.isActive()) await txn.abort().catch(() => undefined);
      throw err;
    }
  }
}
