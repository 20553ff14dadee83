// Helpers for tests against the real Kafka broker that scripts/run-tests.mjs
// starts (scripts/kafka/broker.mjs) and announces in SLUICE_TEST_KAFKA_BROKERS.
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';

export interface ReadMessage {
  partition: number;
  key: string | null;
  value: string | null;
  offset: string;
}

/**
 * The broker address ('127.0.0.1:PORT') or undefined when Kafka tests must skip.
 * Under CI=true a missing broker is an error, never a silent skip.
 */
export function kafkaBrokers(): string | undefined {
  const brokers = process.env.SLUICE_TEST_KAFKA_BROKERS;
  if (brokers) return brokers;
  if (process.env.CI === 'true') {
    throw new Error('SLUICE_TEST_KAFKA_BROKERS is unset but CI=true: Kafka tests must run (use scripts/run-tests.mjs)');
  }
  return undefined;
}

/** A kafkajs client that only logs errors (its INFO chatter drowns test output). */
export function kafkaClient(brokers: string, clientId = 'sluice-test'): Kafka {
  return new Kafka({ clientId, brokers: brokers.split(','), logLevel: logLevel.ERROR });
}

/** A topic name no other test (or earlier run against the same broker) uses. */
export function uniqueTopic(prefix: string): string {
  const safe = prefix.replace(/[^a-zA-Z0-9._-]/g, '-');
  return `${safe}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** Creates a topic (replication factor 1) and waits until every partition has a leader. */
/**
 * Retries an admin call that a freshly started broker, busy creating topics for
 * tests running in parallel, may answer with a retriable error
 * (UNKNOWN_TOPIC_OR_PARTITION while metadata propagates).
 */
async function retried<T>(op: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await op();
    } catch (err) {
      if (i >= attempts || !(err as { retriable?: boolean }).retriable) throw err;
      await new Promise((r) => setTimeout(r, 500 * i));
    }
  }
}

export function createTopic(brokers: string, topic: string, partitions: number, configs: Record<string, string> = {}): Promise<void> {
  return retried(() => createTopicOnce(brokers, topic, partitions, configs));
}

async function createTopicOnce(brokers: string, topic: string, partitions: number, configs: Record<string, string>): Promise<void> {
  const admin = kafkaClient(brokers, 'sluice-test-admin').admin();
  await admin.connect();
  try {
    const configEntries = Object.entries(configs).map(([name, value]) => ({ name, value }));
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1, configEntries }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Reads `topic` from the beginning with a fresh consumer group (read_committed,
 * kafkajs's default). Resolves once at least `expectedCount` messages arrived,
 * or when `timeoutMs` elapses with whatever arrived, so callers assert the count.
 * To check that nothing more arrives, pass the expected count + 1 and a short timeout.
 * The result is sorted by partition, then offset.
 */
export async function readAll(brokers: string, topic: string, expectedCount: number, timeoutMs = 20_000): Promise<ReadMessage[]> {
  const out: ReadMessage[] = [];
  const consumer = kafkaClient(brokers, 'sluice-test-reader').consumer({ groupId: uniqueTopic('sluice-test-reader') });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, timeoutMs);
      const check = () => { if (out.length >= expectedCount) { clearTimeout(timer); resolve(); } };
      check();
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            out.push({ partition, key: message.key?.toString() ?? null, value: message.value?.toString() ?? null, offset: message.offset });
            check();
          },
        })
        .catch((err: unknown) => { clearTimeout(timer); reject(err); });
    });
  } finally {
    await consumer.disconnect();
  }
  return out.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

/** Number of members of `group` that hold at least one partition (0 while it rebalances or is empty). */
export function assignedMembers(brokers: string, group: string): Promise<number> {
  return retried(() => assignedMembersOnce(brokers, group));
}

async function assignedMembersOnce(brokers: string, group: string): Promise<number> {
  const admin = kafkaClient(brokers, 'sluice-test-admin').admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([group]);
    const g = groups[0];
    if (!g || g.state !== 'Stable') return 0;
    return g.members.filter((m) => m.memberAssignment.length > 0).length;
  } finally {
    await admin.disconnect();
  }
}

/** The group's committed offset per partition of `topic` (-1: none). */
export function committedOffsets(brokers: string, group: string, topic: string): Promise<Map<number, number>> {
  return retried(() => committedOffsetsOnce(brokers, group, topic));
}

async function committedOffsetsOnce(brokers: string, group: string, topic: string): Promise<Map<number, number>> {
  const admin = kafkaClient(brokers, 'sluice-test-admin').admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return new Map((t?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

/** Polls `check` every 200 ms until it returns true; throws after `timeoutMs` naming what it waited for. */
export async function waitFor(what: string, timeoutMs: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The test broker's SSL and SASL_SSL listeners, certificates and users (scripts/kafka/broker.mjs). */
export interface KafkaTestSecurity {
  ssl: string;
  saslSsl: string;
  ca: string;
  clientCert: string;
  clientKey: string;
  plain: [string, string];
  scram: [string, string];
}

/** SLUICE_TEST_KAFKA_SECURITY, or undefined when a broker without secured listeners is in use (an error under CI=true). */
export function kafkaTestSecurity(): KafkaTestSecurity | undefined {
  const text = process.env.SLUICE_TEST_KAFKA_SECURITY;
  if (text) return JSON.parse(text) as KafkaTestSecurity;
  if (process.env.CI === 'true') throw new Error('SLUICE_TEST_KAFKA_SECURITY is unset but CI=true: the secured-broker tests must run (use scripts/run-tests.mjs)');
  return undefined;
}
