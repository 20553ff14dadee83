import type { Message, Producer, Transaction } from 'kafkajs';
import type { Control, Positions } from '../../engine/control.js';
import type { Downstream, HoldsOutput } from '../../engine/stream.js';
import { kafkaOffsets } from './client.js';
import { OutgoingMessages } from './outgoing-message.js';
import { SendQueue } from './send-queue.js';
import { byteLength, RecordRun, runMessages } from './record-run.js';
import { BlockLayouts } from '../../engine/fast/block-layouts.js';
import type { TakenLines } from '../../engine/framing.js';
import { LineShapes } from '../../engine/fast/line-shapes.js';
import { fastPathsOn } from '../../engine/fast/switch.js';
import { topLevelFields } from '../../engine/fast/fields-read.js';

/**
 * Records are sent in chunks of at most this many records or bytes; never one
 * send per record. One chunk is one record batch per partition, and a broker
 * refuses batches over its message.max.bytes (1 MiB by default): keys and
 * values are counted in bytes, with RECORD_OVERHEAD for each record's framing
 * (at most 14 bytes without headers; without --key the run's own byte count),
 * so a chunk stays well below that. Every chunk is a request: chunks of 2,000
 * small records made 500 of them for 1M records. Producing 1M small records
 * (one request in flight, three runs each): 256 KiB chunks 1.15-1.4 s of CPU,
 * 512 KiB 1.13-1.26 s, 900 KiB 1.33-1.37 s (more memory, no fewer seconds).
 */
const CHUNK_RECORDS = 32_768;
const CHUNK_BYTES = 512 << 10;
const RECORD_OVERHEAD = 16;
/** A chunk's record batch starts this big and grows as records come (record-run.ts). */
const MIN_RUN_CAPACITY = 16 << 10;
/** Input pauses while more than this many chunks wait for their send: memory stays bounded on a slow broker. */
const MAX_WAITING_CHUNKS = 4;
/**
 * Produce requests in flight at once (pipelined-sends.ts; the producer's
 * maxInFlightRequests): the broker gets the next chunk while it still appends
 * one, as librdkafka and Java's client send. Five is the most Kafka's
 * idempotence keeps in order across a retry (its max.in.flight.requests.per.connection).
 */
export const SENDS_IN_FLIGHT = 5;

export interface KafkaSinkOptions {
  producer: Producer;
  /** The producer's connect(); nothing is sent before it resolves. */
  connected: Promise<void>;
  /** Names the brokers in a connection error. */
  brokers: string;
  topic: string;
  /** Field path whose string form is the message key. */
  keyField?: string;
  /** Send each batch in one transaction, with the source's offsets. */
  transactional: boolean;
  /** Consumer group whose offsets a transaction commits (default: derived from the positions' topic). */
  group(sourceTopic: string): string;
  onUnserialisable(err: Error): void;
  /** A --partition-state stage upstream passes its state, but there is no --changelog to keep it. */
  onStateWithoutChangelog?(stage: string): void;
}

/**
 * The coordinator answers CONCURRENT_TRANSACTIONS while it still finishes the
 * previous transaction's markers; kafkajs gives up on it for AddOffsetsToTxn.
 */
export async function retryConcurrent<T>(op: () => Promise<T>, attempts = 20): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await op();
    } catch (err) {
      if (i >= attempts || !/concurrent/i.test(String((err as Error)?.message))) throw err;
      await new Promise((r) => setTimeout(r, Math.min(50 * i, 500)));
    }
  }
}

/**
 * Writes records as JSON messages. Sends go out in chunks, several in flight (in order), and
 * every batch boundary waits until all of its records are acknowledged by all
 * in-sync replicas (acks=-1). With `transactional`, a batch is one producer
 * transaction that also carries the Kafka offsets of the batch's positions.
 */
export class KafkaProducerSink implements Downstream, HoldsOutput {
  /** With --key: the chunk's messages (the partitioner reads each key). */
  private messages: Message[] = [];
  private bytes = 0;
  /** Without --key: the chunk's records, already encoded (record-run.ts). */
  private run: RecordRun | undefined;
  private runCapacity = MIN_RUN_CAPACITY;
  /** Storage of runs whose send is over, for the next runs: 1M records made 60 buffers of 512 KiB of garbage. */
  private readonly spareStorage: Buffer[] = [];
  private readonly queue: SendQueue;
  private txn: Transaction | undefined;
  private readonly offsetsSent = new Map<string, string>();
  private readonly outgoing: OutgoingMessages;
  recordsOut = 0;
  batchesCommitted = 0;
  private warnedState = false;

  /**
   * The fields the sink reads (the stage runner then skips JSON.parse for lines
   * of a known layout): none without --key, since a record's line is its value;
   * with --key the key's top-level field, which the runner reads out of the
   * line alone (flat-fields.ts, JSON.parse when unsure), and the line is the value.
   */
  readonly readsFields: readonly string[] | undefined;
  /**
   * Without --key: an input line of a layout seen before (one regular
   * expression, line-shapes.ts) is its message as it is, with no record built
   * for it. Shapes of depth 1 only, so a line they accept is within any --max-depth.
   */
  readonly takeLine: ((line: string) => boolean) | undefined;
  /**
   * Without --key: the lines of a whole read that have a layout seen before
   * (BlockLayouts, depth 1 as for takeLine), their bytes copied straight into
   * the chunk's record batch, with no string or message per line.
   */
  readonly takeLineBytes: ((bytes: Buffer, from: number, end: number, maxLineBytes: number) => TakenLines) | undefined;
  private readonly shapes: LineShapes | undefined;

  constructor(private readonly o: KafkaSinkOptions) {
    this.readsFields = o.keyField === undefined ? [] : topLevelFields([o.keyField]);
    this.outgoing = new OutgoingMessages(o.keyField, o.onUnserialisable);
    this.queue = new SendQueue(o.connected, (err) => new Error(`kafka ${o.brokers}: ${(err as Error)?.message ?? String(err)}`), SENDS_IN_FLIGHT);
    if (o.keyField === undefined && fastPathsOn()) {
      const shapes = (this.shapes = new LineShapes([], 1));
      this.takeLine = (line) => {
        if (!shapes.exec(line)) return false;
        if (this.queue.failure) throw this.queue.failure;
        this.addValue(line);
        return true;
      };
      const layouts = new BlockLayouts(undefined, [], 1);
      this.takeLineBytes = (bytes, from, end, maxLineBytes) => {
        if (this.queue.failure) throw this.queue.failure;
        return layouts.scan(bytes, from, end, maxLineBytes, (p, eol) => {
          const run = this.openRun();
          run.addBytes(bytes, from + p, from + eol);
          this.addedTo(run);
          return true;
        });
      };
    }
  }

  data(record: unknown, raw: string | undefined): void {
    if (this.queue.failure) throw this.queue.failure;
    const message = this.outgoing.of(record, raw);
    if (message === undefined) return;
    // A record's own line (a JSON object, as the stage read or received it): its layout is learned.
    if (this.shapes && raw !== undefined && record !== null && typeof record === 'object' && !Array.isArray(record)) this.shapes.learn(raw);
    this.add(message);
  }

  private add(message: { key: string | null; value: string }): void {
    if (this.o.keyField === undefined) return this.addValue(message.value);
    this.messages.push(message);
    this.bytes += byteLength(message.value) + Math.max(0, byteLength(message.key)) + RECORD_OVERHEAD;
    this.recordsOut++;
    if (this.messages.length >= CHUNK_RECORDS || this.bytes >= CHUNK_BYTES) this.sendChunk();
  }

  private addValue(value: string): void {
    const run = this.openRun();
    run.add(null, value);
    this.addedTo(run);
  }

  /** The chunk's run, started when its first record comes. */
  private openRun(): RecordRun {
    return (this.run ??= new RecordRun(this.runCapacity, this.spareStorage.pop()));
  }

  /** A record went into the run: counted, and the chunk sent once full. */
  private addedTo(run: RecordRun): void {
    this.recordsOut++;
    if (run.count >= CHUNK_RECORDS || run.recordBytes >= CHUNK_BYTES) this.sendChunk();
  }

  control(c: Control): void | Promise<void> {
    if (c.type === 'state') {
      if (!this.warnedState) {
        this.warnedState = true;
        this.o.onStateWithoutChangelog?.(c.stage);
      }
      return;
    }
    if (c.type !== 'batch' && c.type !== 'eos') return;
    this.sendChunk();
    if (c.type === 'batch') this.queue.enqueue(() => this.endBatch(c.positions));
    if (c.type === 'eos') this.queue.enqueue(() => this.endBatch(undefined));
    return this.queue.settled();
  }

  /** While too many chunks wait for their send: resolves when the oldest of them was sent. */
  pressure(): Promise<void> | undefined {
    return this.queue.waitingMoreThan(MAX_WAITING_CHUNKS);
  }

  /** Aborts an open transaction (the stage failed or stops without eos). */
  async abort(): Promise<void> {
    await this.queue.drained();
    const txn = this.txn;
    this.txn = undefined;
    if (txn?.isActive()) await txn.abort().catch(() => undefined);
  }

  private sendChunk(): void {
    let messages: Message[];
    const run = this.run;
    if (run) {
      // The next run starts with room for as much as this one held, so a busy stream seldom grows one.
      this.runCapacity = Math.min(Math.max(run.recordBytes + (run.recordBytes >> 3), MIN_RUN_CAPACITY), CHUNK_BYTES + (64 << 10));
      messages = runMessages(run);
      this.run = undefined;
    } else {
      if (this.messages.length === 0) return;
      messages = this.messages;
      this.messages = [];
      this.bytes = 0;
    }
    this.queue.enqueueSend(async () => {
      const sender = this.o.transactional ? await this.transaction() : this.o.producer;
      const done = sender.send({ topic: this.o.topic, acks: -1, messages });
      // Once acknowledged, nothing reads the run again (kafkajs copied it into the request).
      return { done: run ? done.then(() => void (this.spareStorage.length < MAX_WAITING_CHUNKS && this.spareStorage.push(run.storage))) : done };
    });
  }

  private async transaction(): Promise<Transaction> {
    this.txn ??= await this.o.producer.transaction();
    return this.txn;
  }

  private async endBatch(positions: Positions | undefined): Promise<void> {
    if (!this.o.transactional) return; // every send above was already acknowledged
    // Offsets a previous transaction already committed need no new one: an idle
    // stream does not open an empty transaction every batch.
    const offsets = kafkaOffsets(positions).filter((o) => this.offsetsSent.get(`${o.topic}:${o.partition}`) !== o.offset);
    if (offsets.length === 0 && !this.txn) return;
    const txn = await this.transaction();
    const byGroup = new Map<string, Map<string, { partition: number; offset: string }[]>>();
    for (const { topic, partition, offset } of offsets) {
      const group = this.o.group(topic);
      const topics = byGroup.get(group) ?? new Map<string, { partition: number; offset: string }[]>();
      byGroup.set(group, topics);
      topics.set(topic, [...(topics.get(topic) ?? []), { partition, offset }]);
    }
    for (const [consumerGroupId, topics] of byGroup) {
      await retryConcurrent(() => txn.sendOffsets({ consumerGroupId, topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })) }));
    }
    await txn.commit();
    this.txn = undefined;
    for (const o of offsets) this.offsetsSent.set(`${o.topic}:${o.partition}`, o.offset);
    this.batchesCommitted++;
  }
}
