// The batch kafkajs's consumer hands to eachBatch: one partition's records
// from one fetch. It stands in for kafkajs 2.2.4's `consumer/batch` (client.ts)
// with the same methods and the same filtering (records before the fetched
// offset, records of aborted transactions, control records), computed over
// FetchedRecords' columns without a `Long` or an object per record.
// `messages` is still kafkajs's array of message objects, built lazily
// (kafkajs itself reads only its length and last element); sluice's consume
// loop reads the kept records by index instead (offsetAt, valueText).
import type { FetchedRecords, LegacyMessage } from './record-batches.js';

interface PartitionData {
  partition: number;
  highWatermark: string;
  abortedTransactions?: { producerId: string; firstOffset: string }[];
  messages: FetchedRecords;
}

/** Control record key of an abort marker: version 0, type 0 (kafkajs compares the same four bytes). */
const ABORT_MARKER = Buffer.from([0, 0, 0, 0]);

export class FetchedBatch {
  readonly topic: string;
  readonly partition: number;
  readonly highWatermark: string;
  readonly fetchedOffset: string;
  private readonly records: FetchedRecords;
  /** Index of the first record at or after the fetched offset (kafkajs's messagesWithinOffset start). */
  private readonly withinFrom: number;
  /** Indexes (into `records`) of the records handed on: not aborted, not control. */
  private readonly kept: number[];
  private lazyMessages: LegacyMessage[] | undefined;

  constructor(topic: string, fetchedOffset: string, partitionData: PartitionData) {
    this.topic = topic;
    this.partition = partitionData.partition;
    this.highWatermark = partitionData.highWatermark;
    this.fetchedOffset = fetchedOffset;
    const records = (this.records = partitionData.messages);
    const from = BigInt(fetchedOffset);
    const n = records.length;
    let i = 0;
    // Records come in offset order: those before the fetched offset are a prefix.
    while (i < n && BigInt(records.offsetText(i)) < from) i++;
    this.withinFrom = i;
    this.kept = keptRecords(records, i, partitionData.abortedTransactions ?? []);
  }

  /** Records handed on. */
  get count(): number {
    return this.kept.length;
  }

  /** The offset of handed-on record k (a number: exact below 2^53, as sluice's positions are). */
  offsetAt(k: number): number {
    const i = this.kept[k]!;
    return this.records.legacy ? Number(this.records.legacy[i]!.offset) : this.records.offsets[i]!;
  }

  /** The exact offset of handed-on record k, as kafkajs writes offsets. */
  offsetTextAt(k: number): string {
    return this.records.offsetText(this.kept[k]!);
  }

  /** The UTF-8 text of handed-on record k's value, or null. */
  valueText(k: number): string | null {
    return this.records.valueText(this.kept[k]!);
  }

  /** Handed-on record k as kafkajs's message object. */
  message(k: number): LegacyMessage {
    return this.messages[k]!;
  }

  /**
   * kafkajs's `batch.messages`: an array whose message objects are made the
   * first time each is read (kafkajs reads the length and the last one per batch).
   */
  get messages(): LegacyMessage[] {
    if (this.lazyMessages) return this.lazyMessages;
    const records = this.records;
    const kept = this.kept;
    const target: LegacyMessage[] = new Array(kept.length);
    const build = (k: number) => (target[k] ??= records.message(kept[k]!));
    const buildAll = () => target.forEach.call({ length: target.length }, (_: unknown, k: number) => build(k));
    return (this.lazyMessages = new Proxy(target, {
      get(t, prop, receiver) {
        const k = typeof prop === 'string' ? arrayIndex(prop, t.length) : -1;
        return k >= 0 ? build(k) : Reflect.get(t, prop, receiver);
      },
      has(t, prop) {
        return (typeof prop === 'string' && arrayIndex(prop, t.length) >= 0) || Reflect.has(t, prop);
      },
      getOwnPropertyDescriptor(t, prop) {
        const k = typeof prop === 'string' ? arrayIndex(prop, t.length) : -1;
        if (k >= 0) build(k);
        return Reflect.getOwnPropertyDescriptor(t, prop);
      },
      ownKeys(t) {
        buildAll();
        return Reflect.ownKeys(t);
      },
    }));
  }

  isEmpty(): boolean {
    return this.kept.length === 0;
  }

  isEmptyIncludingFiltered(): boolean {
    return this.withinFrom >= this.records.length;
  }

  isEmptyDueToFiltering(): boolean {
    return this.isEmpty() && this.records.length > 0;
  }

  isEmptyControlRecord(): boolean {
    if (!this.isEmpty()) return false;
    for (let i = this.withinFrom; i < this.records.length; i++) if (this.records.isControl(i)) return true;
    return false;
  }

  isEmptyDueToLogCompactedMessages(): boolean {
    return this.records.length > 0 && this.isEmptyIncludingFiltered();
  }

  firstOffset(): string | null {
    return this.isEmptyIncludingFiltered() ? null : this.records.offsetText(this.withinFrom);
  }

  lastOffset(): string {
    if (this.isEmptyDueToLogCompactedMessages()) return this.fetchedOffset;
    if (this.isEmptyIncludingFiltered()) return String(BigInt(this.highWatermark) - 1n);
    return this.records.offsetText(this.records.length - 1);
  }

  offsetLag(): string {
    return String(BigInt(this.highWatermark) - 1n - BigInt(this.lastOffset()));
  }

  offsetLagLow(): string {
    if (this.isEmptyIncludingFiltered()) return '0';
    return String(BigInt(this.highWatermark) - 1n - BigInt(this.firstOffset()!));
  }
}

/** `prop` as an index below `length`, else -1. */
function arrayIndex(prop: string, length: number): number {
  const c = prop.charCodeAt(0);
  if (!(c >= 48 && c <= 57)) return -1;
  const k = Number(prop);
  return Number.isInteger(k) && k < length && String(k) === prop ? k : -1;
}

/**
 * The records from `from` on that a read_committed consumer sees, by kafkajs's
 * rule: from the first offset of an aborted transaction on, that producer's
 * transactional records are dropped until its abort marker; control records
 * are never handed on.
 */
function keptRecords(records: FetchedRecords, from: number, aborted: { producerId: string; firstOffset: string }[]): number[] {
  const kept: number[] = [];
  const n = records.length;
  if (aborted.length === 0) {
    for (let i = from; i < n; i++) if (!records.isControl(i)) kept.push(i);
    return kept;
  }
  const remaining = aborted.map((a) => ({ producerId: a.producerId, firstOffset: BigInt(a.firstOffset) }));
  const abortedProducers = new Set<string>();
  for (let i = from; i < n; i++) {
    if (remaining.length > 0 && BigInt(records.offsetText(i)) >= remaining[0]!.firstOffset) abortedProducers.add(remaining.shift()!.producerId);
    const { producerId, inTransaction } = records.context(i);
    const control = records.isControl(i);
    if (control && records.key(i)?.equals(ABORT_MARKER)) abortedProducers.delete(producerId);
    else if (abortedProducers.has(producerId) && inTransaction) continue;
    if (!control) kept.push(i);
  }
  return kept;
}
