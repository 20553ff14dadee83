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
// Order and loss: the broker appends a producer's batches to a partition only
// in sequence order (an idempotent producer's batch whose sequence does not
// follow the last one is refused), so requests in flight cannot be reordered in
// the log. A failed request is retried (kafkajs's retrier, sequence numbers
// given back) only while no later send has taken its turn; otherwise the send
// fails, and with it the stage: later sends hold the sequence numbers after it.

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

/** Calls registered per request's topicData: produce-request.ts reports that the request is encoded (about to be written). */
const encodedHooks = new WeakMap<object, () => void>();

export function requestEncoded(topicData: object): void {
  encodedHooks.get(topicData)?.();
}

/** The order of one producer's sends (per eosManager: its sequence numbers). */
interface SendOrder {
  /** Resolves when the last send so far has written its requests. */
  turn: Promise<void>;
  calls: number;
  /** A send failed after later ones took their turn: those that have not written yet fail. */
  failed: unknown;
}
const orders = new WeakMap<object, SendOrder>();

/** Errors after which kafkajs refreshes metadata and retries. */
function metadataStale(e: { name?: string; retriable?: boolean }, staleMetadata: (e: unknown) => boolean): boolean {
  return staleMetadata(e) || ['KafkaJSMetadataNotLoaded', 'KafkaJSConnectionError', 'KafkaJSConnectionClosedError'].includes(e.name ?? '') || (e.name === 'KafkaJSProtocolError' && e.retriable === true);
}

export interface KafkajsParts {
  groupMessagesPerPartition: Grouping;
  responseSerializer: SerializeResponse;
  staleMetadata(e: unknown): boolean;
  MetadataNotLoaded: new (m: string) => Error;
}

export function pipelinedSendMessages(kafkajs: KafkajsParts) {
  return ({ logger, cluster, partitioner, eosManager, retrier }: Deps) =>
    async ({ acks, timeout, compression, topicMessages }: SendArgs): Promise<unknown[]> => {
      let order = orders.get(eosManager);
      if (!order) orders.set(eosManager, (order = { turn: Promise.resolve(), calls: 0, failed: undefined }));
      // The turn is taken now, before any await: the order of the calls is the order on the wire.
      const call = ++order.calls;
      let myTurn = order.turn;
      let released = false;
      let resolveTurn!: () => void;
      const takeTurn = () => {
        released = false;
        order.turn = new Promise<void>((r) => (resolveTurn = r));
      };
      const release = () => {
        if (released) return;
        released = true;
        resolveTurn();
      };
      takeTurn();
      const answered = new Map<Broker, unknown[]>();
      /** The partitions of this attempt's requests that failed: their sequence numbers go back before a retry. */
      let failedData: TopicData[] = [];
      let attempts = 0;

      /** Writes this send's request to every broker that has not answered it yet; settles when all have settled. */
      const produceAll = async (): Promise<void> => {
        await cluster.refreshMetadataIfNecessary();
        const perTopic: { topic: string; leaders: Record<string, number[]>; messages: Record<number, unknown[]> }[] = [];
        const brokers = new Map<string, Broker>();
        for (const { topic, messages } of topicMessages) {
          const partitionMetadata = cluster.findTopicPartitionMetadata(topic);
          if (partitionMetadata.length === 0) throw new kafkajs.MetadataNotLoaded('Producing to topic without metadata');
          const grouped = kafkajs.groupMessagesPerPartition({ topic, partitionMetadata, messages, partitioner });
          const leaders = cluster.findLeaderForPartitions(topic, Object.keys(grouped).map(Number));
          perTopic.push({ topic, leaders, messages: grouped });
          for (const nodeId of Object.keys(leaders)) brokers.set(nodeId, await cluster.findBroker({ nodeId }));
        }
        const attempt = ++attempts;
        const waiting = [...brokers].filter(([, b]) => !answered.has(b));
        let unwritten = waiting.length;
        const results = await Promise.allSettled(
          waiting.map(async ([nodeId, broker]) => {
            const topicData: TopicData[] = perTopic
              .filter((t) => t.leaders[nodeId] !== undefined)
              .map((t) => ({ topic: t.topic, partitions: t.leaders[nodeId]!.map((partition) => ({ partition, messages: t.messages[partition]! })) }));
            let wrote = false;
            const written = () => {
              if (wrote || attempt !== attempts) return;
              wrote = true;
              if (--unwritten === 0) release();
            };
            // The request reaches the connection's queue within this turn of the event loop.
            encodedHooks.set(topicData, () => setImmediate(written));
            if (eosManager.isTransactional()) await eosManager.addPartitionsToTransaction(topicData);
            for (const { topic, partitions } of topicData) {
              for (const p of partitions) {
                p.firstSequence = eosManager.getSequence(topic, p.partition);
                eosManager.updateSequence(topic, p.partition, recordCount(p.messages));
              }
            }
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
              answered.set(broker, acks !== 0 ? kafkajs.responseSerializer(response) : []);
              written(); // answered without the hook: kafkajs's own encoder wrote it
            } catch (e) {
              wrote = true; // a late hook must not release the turn: the send decides (below)
              failedData.push(...topicData);
              throw e;
            }
          }),
        );
        const failure = results.find((r) => r.status === 'rejected');
        if (failure) throw (failure as PromiseRejectedResult).reason;
      };

      try {
        return await retrier(async (bail, retryCount, retryTime) => {
          await myTurn;
          if (order.failed) {
            bail(order.failed);
            return [];
          }
          failedData = [];
          try {
            await cluster.addMultipleTargetTopics(topicMessages.map((t) => t.topic));
            await produceAll();
            return [...answered.values()].flat();
          } catch (err) {
            const e = err as Error & { name: string; host?: string; port?: number; retriable?: boolean };
            if (released && call !== order.calls) {
              // A later send may have taken the sequence numbers after this one's: no retry, and
              // the later sends that have not written yet fail too.
              order.failed = e;
              logger.error(`${e.message} (later sends were in flight: not retried)`, { retryCount, retryTime });
              bail(e);
              return [];
            }
            // No later send has written: the numbers go back, and later sends wait for the retry.
            if (released) takeTurn();
            myTurn = Promise.resolve();
            for (const { topic, partitions } of failedData) for (const p of partitions) eosManager.updateSequence(topic, p.partition, -recordCount(p.messages));
            failedData = [];
            if (e.name === 'KafkaJSConnectionClosedError') cluster.removeBroker({ host: e.host!, port: e.port! });
            if (!cluster.isConnected()) {
              logger.debug(`Cluster has disconnected, reconnecting: ${e.message}`, { retryCount, retryTime });
              await cluster.connect();
              await cluster.refreshMetadata();
              throw e;
            }
            if (metadataStale(e, kafkajs.staleMetadata)) {
              logger.error(`Failed to send messages: ${e.message}`, { retryCount, retryTime });
              await cluster.refreshMetadata();
              throw e;
            }
            logger.error(`${e.message}`, { retryCount, retryTime });
            if (e.retriable) throw e;
            bail(e);
            return [];
          }
        });
      } catch (e) {
        order.failed ??= e;
        throw e;
      } finally {
        release();
      }
    };
}
