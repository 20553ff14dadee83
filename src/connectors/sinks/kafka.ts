import { UsageError } from '../../engine/errors.js';
import { brokersOption, kafkaClient, kafkajs, parseBrokers, requireExistingTopic, requireTopic } from '../kafka/client.js';
import { KafkaProducerSink, SENDS_IN_FLIGHT } from '../kafka/producer-sink.js';
import { changelogOption, changelogTopic, requireTransactional } from '../kafka/changelog.js';
import { partitionTransactionalId, PartitionTransactions } from '../kafka/partition-transactions.js';
import { groupOwns } from '../kafka/group-ownership.js';
import type { Kafka } from 'kafkajs';
import type { StageContext } from '../../engine/context.js';
import type { Args } from '../../spec.js';
import type { SinkInstance } from '../kinds.js';

/** As in Kafka Streams: a copy killed mid-transaction holds up the partition's readers for at most this long (a new owner's fence ends it at once). */
const PARTITION_TRANSACTION_TIMEOUT_MS = 10_000;

/** sink kafka --transactional --changelog T: one producer and transaction per input partition (partition-transactions.ts). */
function partitionTransactions(
  client: Kafka,
  ctx: StageContext,
  args: Args,
  s: { brokers: string[]; topic: string; changelog: string; group: (sourceTopic: string) => string },
): SinkInstance {
  const sink = new PartitionTransactions({
    connected: Promise.all([requireExistingTopic(client, s.topic, s.brokers), requireExistingTopic(client, s.changelog, s.brokers)]).then(() => undefined),
    producer: (partition) =>
      client.producer({
        createPartitioner: kafkajs().Partitioners.DefaultPartitioner,
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        transactionalId: partitionTransactionalId(s.changelog, partition),
        transactionTimeout: PARTITION_TRANSACTION_TIMEOUT_MS,
      }),
    topic: s.topic,
    changelog: s.changelog,
    keyField: args['key'] === undefined ? undefined : String(args['key']),
    group: s.group,
    onUnserialisable: (err) => ctx.errors.bad(`cannot serialise record: ${err.message}`),
    onFenced: () => undefined,
    onUnclaimedState: (stage) =>
      ctx.warn(`sluice sink: kafka: the changelog ${s.changelog} holds state of stage '${stage}', but no stage with --partition-state (and --state-name ${stage}) took it: that state was not restored`),
    owns: (group, member, topic, partition) => groupOwns(client, group, member, topic, partition),
  });
  return { downstream: sink, close: () => sink.close() };
}
import { kafkaSecurity, securityOptions } from '../kafka/security.js';
import type { SinkKind } from '../kinds.js';
import { defaultGroup } from '../sources/kafka.js';

export const kafkaSinkKind: SinkKind = {
  name: 'kafka',
  describe:
    "kafka --brokers HOST:PORT,... --topic T [--key FIELD]: records as JSON messages; the key picks the partition with Kafka's default murmur2 partitioner (as Java clients and kcat do); acks from all in-sync replicas, idempotent producer, flushed at every batch boundary; --transactional: one transaction per batch with the source's offsets (exactly-once read-process-write)",
  options: [
    brokersOption,
    ...securityOptions,
    { name: 'topic', type: 'string', placeholder: 'T', describe: 'kafka: topic to write' },
    { name: 'key', type: 'string', placeholder: 'FIELD', describe: 'kafka: field path whose value (strings as they are, other values as JSON) is the message key' },
    { name: 'transactional', type: 'boolean', default: false, describe: 'kafka: one producer transaction per batch, committing the offsets of an upstream source kafka with it' },
    { name: 'transactional-id', type: 'string', placeholder: 'ID', describe: 'kafka --transactional: the producer\'s transactional.id (default sluice-<topic>-<group>); give each copy of a scaled-out pipeline its own' },
    { name: 'group', type: 'string', placeholder: 'G', describe: 'kafka --transactional: the consumer group of the upstream source kafka (default sluice-<source topic>, the source\'s default)' },
    changelogOption,
  ],
  build(_stdout, ctx, args) {
    const brokers = parseBrokers(args['brokers'], 'sink');
    const topic = requireTopic(args['topic'], 'sink');
    const transactional = Boolean(args['transactional']);
    if (!transactional && (args['transactional-id'] !== undefined || args['group'] !== undefined)) {
      throw new UsageError('--transactional-id and --group only apply with --transactional');
    }
    const changelog = changelogTopic(args);
    requireTransactional(changelog, args);
    const group = (sourceTopic: string) => (args['group'] === undefined ? defaultGroup(sourceTopic) : String(args['group']));
    const transactionalId = args['transactional-id'] === undefined ? `sluice-${topic}-${args['group'] ?? 'default'}` : String(args['transactional-id']);
    const client = kafkaClient(brokers, `sluice-sink-${topic}`, ctx.warn, 'sink', kafkaSecurity(args));
    if (changelog !== undefined) return partitionTransactions(client, ctx, args, { brokers, topic, changelog, group });
    const producer = client.producer({
      createPartitioner: kafkajs().Partitioners.DefaultPartitioner,
      idempotent: true,
      maxInFlightRequests: SENDS_IN_FLIGHT,
      allowAutoTopicCreation: false,
      ...(transactional ? { transactionalId } : {}),
    });
    const sink = new KafkaProducerSink({
      producer,
      // The topic check and the connection at once: the check names a missing topic, and nothing is sent before both.
      connected: Promise.all([requireExistingTopic(client, topic, brokers), producer.connect()]).then(() => undefined),
      brokers: brokers.join(','),
      topic,
      keyField: args['key'] === undefined ? undefined : String(args['key']),
      transactional,
      group,
      onUnserialisable: (err) => ctx.errors.bad(`cannot serialise record: ${err.message}`),
      onStateWithoutChangelog: (stage) => ctx.warn(`sluice sink: kafka: ${stage} --partition-state passes its state, but without --changelog T it is not kept: a partition that moves to another copy starts without it`),
    });
    return {
      downstream: sink,
      close: async () => {
        await sink.abort();
        await producer.disconnect().catch(() => undefined);
      },
    };
  },
};
