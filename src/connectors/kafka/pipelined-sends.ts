// sluice's stand-in for kafkajs 2.2.4's `producer/sendMessages` (client.ts puts
// it in place), with several produce requests in flight. kafkajs holds a
// broker's lock from a request's start until its answer, so an idempotent
// producer has one request in flight and the broker waits for the client
// between requests (producing 1M records spent about a third of its time so).
// Here a send holds its turn only until its requests are written: sequence
// numbers are taken, and requests written to each broker's one connection, in
// the order send() was called, and the next send goes out while the broker
// still works on this one (as Kafka's max.in.flight.requests.per.connection,
// at most 5 with idempotence; the connection's maxInFlightRequests bounds it).
//
// Order, loss and retries, as Java's idempotent producer: the broker appends a
// producer's batches to a partition only in sequence order (a batch whose
// sequence does not follow the last one is refused with OUT_OF_ORDER_SEQUENCE_NUMBER)
// and answers a batch it already appended (one of the last five) with success
// again. A send keeps its partitions and sequence numbers from its first write
// on. When a request fails with a retriable error (a broker that restarts, a
// dropped connection, NOT_LEADER...), every later request in flight fails too
// or succeeds (only if this one was appended); then no send writes anew
// ("recovery") until the failed sends, oldest first and one at a time, have
// been written again with the same numbers and acknowledged, each within the
// client's retry budget. OUT_OF_ORDER_SEQUENCE_NUMBER is retried while an
// earlier send is unacknowledged (it was refused behind that one); for the
// oldest send it means a gap, and is fatal like every non-retriable error: the
// send fails, and so does every later one.

import { recordCount } from './record-run.js';

type Broker = { nodeId: number; produce(args: Record<string, unknown>): Promise<unknown> };
interface PartitionData {
  partition: number;
  firstSequence?: number;
  messages: unknown[];
}
interface TopicData {
  topic: string;
  partitions: PartitionData[];
}
interface EosManager {
  isTransactional(): boolean;
  getTransactionalId(): string;
  getProducerId(): unknown;
  getProducerEpoch(): number;
  getSequence(topic: string, partition: number): number;
  updateSequence(topic: string, partition: number, increment: number): void;
  addPartitionsToTransaction(topicData: TopicData[]): Promise<void>;
}
interface Cluster {
  refreshMetadataIfNecessary(): Promise<void>;
  refreshMetadata(): Promise<void>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  findTopicPartitionMetadata(topic: string): unknown[];
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(o: { nodeId: string }): Promise<Broker>;
  isConnected(): boolean;
  connect(): Promise<void>;
  removeBroker(o: { host: string; port: number }): void;
}
type Retrier = <T>(fn: (bail: (e: unknown) => void, retryCount: number, retryTime: number) => Promise<T>) => Promise<T>;
interface Deps {
  logger: { debug(m: string, extra?: object): void; error(m: string, extra?: object): void };
  cluster: Cluster;
  partitioner: unknown;
  eosManager: EosManager;
  retrier: Retrier;
}
interface SendArgs {
  acks: number;
  timeout?: number;
  compression?: number;
  topicMessages: { topic: string; messages: unknown[] }[];
}
type Grouping = (o: { topic: string; partitionMetadata: unknown[]; messages: unknown[]; partitioner: unknown }) => Record<number, unknown[]>;
type SerializeResponse = (response: unknown) => unknown[];
type KafkaError = Error & { name: string; type?: string; host?: string; port?: number; retriable?: boolean };

/**
 * How long a send may stay unacknowledged after its first failure, whatever
 * the retry count (Java's delivery.timeout.ms is 120 s).
 */
export const DELIVERY_TIMEOUT_MS = 120_000;

/** Calls registered per request's topicData: produce-request.ts reports that the request is encoded (about to be written). */
const encodedHooks = new WeakMap<object, () => void>();

export function requestEncoded(topicData: object): void {
  encodedHooks.get(topicData)?.();
}

/** One record batch of a send: its partition and sequence numbers are fixed at the send's first write. */
interface Part extends PartitionData {
  topic: string;
  firstSequence: number;
  acked: boolean;
}

/** A send after its first write, until every part is acknowledged. */
interface Written {
  /** in flight; failed: waits to be written again; resending: written again (recovery). */
  state: 'flight' | 'failed' | 'resending';
  parts: Part[];
}

/** The order of one producer's sends (per eosManager: its sequence numbers). */
class SendOrder {
  /** Resolves when the last send so far has written its requests. */
  turn: Promise<void> = Promise.resolve();
  /** Sends written and not acknowledged, in sequence order. */
  readonly unacked: Written[] = [];
  /** A written send failed: no send writes for the first time until unacked is empty. */
  recovering = false;
  /** Every send from now on fails with it. */
  fatal: unknown;
  private waiters: (() => void)[] = [];

  /** Resolves at the next change of unacked, recovering or fatal. */
  change(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }

  changed(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  settle(send: Written): void {
    const i = this.unacked.indexOf(send);
    if (i >= 0) this.unacked.splice(i, 1);
    if (this.unacked.length === 0) this.recovering = false;
    this.changed();
  }

  fail(e: unknown): void {
    this.fatal ??= e;
    this.changed();
  }
}
const orders = new WeakMap<object, SendOrder>();

/** Errors after which kafkajs refreshes metadata and retries. */
function metadataStale(e: KafkaError, staleMetadata: (e: unknown) => boolean): boolean {
  return staleMetadata(e) || ['KafkaJSMetadataNotLoaded', 'KafkaJSConnectionError', 'KafkaJSConnectionClosedError'].includes(e.name) || (e.name === 'KafkaJSProtocolError' && e.retriable === true);
}

/** As kafkajs's retrier decides. */
function retriable(e: KafkaError): boolean {
  return e.retriable !== false && !['RangeError', 'ReferenceError', 'SyntaxError', 'TypeError'].includes(e.name);
}

export interface KafkajsParts {
  groupMessagesPerPartition: Grouping;
  responseSerializer: SerializeResponse;
  staleMetadata(e: unknown): boolean;
  MetadataNotLoaded: new (m: string) => Error;
}

export function pipelinedSendMessages(kafkajs: KafkajsParts) {
  return ({ logger, cluster, partitioner, eosManager, retrier }: Deps) => {
    /** After a failure, before the next attempt: kafkajs's reconnect and metadata refresh. */
    const prepareRetry = async (e: KafkaError, retryCount: number, retryTime: number): Promise<void> => {
      if (e.name === 'KafkaJSConnectionClosedError') cluster.removeBroker({ host: e.host!, port: e.port! });
      if (!cluster.isConnected()) {
        logger.debug(`Cluster has disconnected, reconnecting: ${e.message}`, { retryCount, retryTime });
        await cluster.connect();
        await cluster.refreshMetadata();
      } else if (metadataStale(e, kafkajs.staleMetadata)) {
        logger.error(`Failed to send messages: ${e.message}`, { retryCount, retryTime });
        await cluster.refreshMetadata();
      } else logger.error(`${e.message}`, { retryCount, retryTime });
    };

    /** The parts' requests, one per current leader. */
    const requestsFor = async (parts: Part[]): Promise<{ broker: Broker; parts: Part[]; topicData: TopicData[] }[]> => {
      const byNode = new Map<string, Part[]>();
      const topics = [...new Set(parts.map((p) => p.topic))];
      for (const topic of topics) {
        const mine = parts.filter((p) => p.topic === topic);
        const leaders = cluster.findLeaderForPartitions(topic, mine.map((p) => p.partition));
        for (const [nodeId, partitions] of Object.entries(leaders)) {
          for (const partition of partitions) byNode.set(nodeId, [...(byNode.get(nodeId) ?? []), mine.find((p) => p.partition === Number(partition))!]);
        }
      }
      const requests = [];
      for (const [nodeId, ps] of byNode) {
        const broker = await cluster.findBroker({ nodeId });
        const topicData = topics
          // The parts themselves: their sequence numbers are taken after this.
          .map((topic) => ({ topic, partitions: ps.filter((p) => p.topic === topic) }))
          .filter((t) => t.partitions.length > 0);
        requests.push({ broker, parts: ps, topicData });
      }
      return requests;
    };

    return async ({ acks, timeout, compression, topicMessages }: SendArgs): Promise<unknown[]> => {
      let order = orders.get(eosManager);
      if (!order) orders.set(eosManager, (order = new SendOrder()));
      const o = order;
      // The turn is taken now, before any await: the order of the calls is the order of the sequence numbers.
      const myTurn = o.turn;
      let resolveTurn!: () => void;
      o.turn = new Promise<void>((r) => (resolveTurn = r));
      const responses: unknown[] = [];

      /** Writes the requests; resolves with the first failure (undefined: all acknowledged). `encoded` once all are on their way. */
      const produce = async (requests: Awaited<ReturnType<typeof requestsFor>>, encoded?: () => void): Promise<KafkaError | undefined> => {
        let unencoded = requests.length;
        const onEncoded = () => {
          if (--unencoded === 0) encoded?.();
        };
        const results = await Promise.allSettled(
          requests.map(async ({ broker, parts, topicData }) => {
            let counted = false;
            const once = () => {
              if (counted) return;
              counted = true;
              onEncoded();
            };
            // The request reaches the connection's queue within this turn of the event loop.
            encodedHooks.set(topicData, () => setImmediate(once));
            try {
              const response = await broker.produce({
                transactionalId: eosManager.isTransactional() ? eosManager.getTransactionalId() : undefined,
                producerId: eosManager.getProducerId(),
                producerEpoch: eosManager.getProducerEpoch(),
                acks,
                timeout,
                compression,
                topicData,
              });
              responses.push(...(acks !== 0 ? kafkajs.responseSerializer(response) : []));
            } catch (err) {
              // Already appended (a batch written again after a lost answer, to a broker of an older version).
              if ((err as KafkaError).type !== 'DUPLICATE_SEQUENCE_NUMBER') throw err;
            } finally {
              once();
            }
            for (const p of parts) p.acked = true;
          }),
        );
        const failure = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
        return failure?.reason as KafkaError | undefined;
      };

      let written: Written | undefined;
      try {
        // The first write, in call order: partitions, leaders, then sequence numbers. Retried (holding the turn) until written.
        const requests = await retrier(async (bail, retryCount, retryTime) => {
          await myTurn;
          try {
            for (;;) {
              while (o.recovering && o.fatal === undefined) await o.change();
              if (o.fatal !== undefined) {
                bail(o.fatal);
                return [];
              }
              await cluster.addMultipleTargetTopics(topicMessages.map((t) => t.topic));
              await cluster.refreshMetadataIfNecessary();
              const parts: Part[] = [];
              for (const { topic, messages } of topicMessages) {
                const partitionMetadata = cluster.findTopicPartitionMetadata(topic);
                if (partitionMetadata.length === 0) throw new kafkajs.MetadataNotLoaded('Producing to topic without metadata');
                const grouped = kafkajs.groupMessagesPerPartition({ topic, partitionMetadata, messages, partitioner });
                for (const [partition, ms] of Object.entries(grouped)) parts.push({ topic, partition: Number(partition), messages: ms, firstSequence: 0, acked: false });
              }
              if (eosManager.isTransactional()) {
                const topics = [...new Set(parts.map((p) => p.topic))];
                await eosManager.addPartitionsToTransaction(topics.map((topic) => ({ topic, partitions: parts.filter((p) => p.topic === topic) })));
              }
              const requests = await requestsFor(parts);
              // A send failed while this one awaited: it writes after the recovery.
              if (o.recovering || o.fatal !== undefined) continue;
              // Numbers taken and the send counted as unacknowledged in one step, with no await between.
              for (const p of parts) {
                p.firstSequence = eosManager.getSequence(p.topic, p.partition);
                eosManager.updateSequence(p.topic, p.partition, recordCount(p.messages));
              }
              o.unacked.push((written = { state: 'flight', parts }));
              return requests;
            }
          } catch (err) {
            const e = err as KafkaError;
            if (!retriable(e)) {
              bail(e);
              return [];
            }
            await prepareRetry(e, retryCount, retryTime);
            throw e;
          }
        });
        const send = written!;
        const first = await produce(requests, resolveTurn);
        if (first === undefined) return responses;

        // Written again, once every earlier send is acknowledged and every later one has settled.
        const recoverable = (e: KafkaError) => retriable(e) || (e.type === 'OUT_OF_ORDER_SEQUENCE_NUMBER' && o.unacked[0] !== send);
        if (!recoverable(first)) throw first;
        const failedAt = Date.now();
        o.recovering = true;
        send.state = 'failed';
        o.changed();
        while (o.fatal === undefined && !(o.unacked[0] === send && o.unacked.every((s) => s === send || s.state === 'failed'))) await o.change();
        if (o.fatal !== undefined) throw o.fatal;
        send.state = 'resending';
        let last = first;
        const failure = await retrier(async (bail, retryCount, retryTime) => {
          if (Date.now() - failedAt > DELIVERY_TIMEOUT_MS) {
            bail(new Error(`not acknowledged within ${DELIVERY_TIMEOUT_MS / 1000} s: ${last.message}`));
            return undefined;
          }
          if (retryCount === 0) await prepareRetry(last, retryCount, retryTime);
          let again: KafkaError | undefined;
          try {
            again = await produce(await requestsFor(send.parts.filter((p) => !p.acked)));
          } catch (err) {
            again = err as KafkaError; // finding the leaders' brokers failed
          }
          if (again === undefined) return undefined;
          if (!recoverable(again)) return again;
          last = again;
          await prepareRetry(again, retryCount, retryTime);
          throw again;
        });
        if (failure !== undefined) throw failure;
        return responses;
      } catch (e) {
        o.fail(e);
        throw e;
      } finally {
        resolveTurn();
        if (written) o.settle(written);
      }
    };
  };
}
