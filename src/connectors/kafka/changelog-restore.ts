import type { Consumer, Kafka } from 'kafkajs';
import type { ControlOf } from '../../engine/control.js';
import { DataError } from '../../engine/errors.js';
import { restoreRecord } from './changelog.js';
import { partitionTransactionalId } from './partition-transactions.js';
import { retryConcurrent } from './producer-sink.js';
import { lazyBuiltin } from '../../engine/lazy-builtin.js';

const crypto = lazyBuiltin('node:crypto');

/** How long a restore waits for the changelog to be read up to its end (an open transaction of a dead copy holds it until the transaction times out). */
const RESTORE_TIMEOUT_MS = 120_000;

/**
 * The source's side of the changelog (issue 14.3). A consumer of its own (a
 * fresh group, nothing committed) reads the whole changelog from the
 * beginning and keeps following it, holding the latest message per (partition,
 * stage), as a compacted topic defines them; read_committed, so states of
 * aborted batches are never seen. `restore(p)` waits until partition p is read
 * up to its end as of the call (the last stable offset: every transaction that
 * committed before is in) and returns p's states as `restore` records.
 *
 * Following every partition keeps every partition's latest state in memory,
 * like a standby replica of all of them: a restore after a rebalance then
 * only has to catch up, not read the partition from its start.
 */
export class ChangelogRestore {
  private readonly consumer: Consumer;
  private readonly latest = new Map<number, Map<string, Buffer | null>>();
  /** Next changelog offset not yet read, per partition. */
  private readonly reached = new Map<number, number>();
  private waiters: (() => void)[] = [];

  constructor(
    private readonly client: Kafka,
    private readonly input: string,
    readonly topic: string,
    private readonly group: string,
  ) {
    this.consumer = client.consumer({ groupId: `sluice-changelog-${crypto().randomBytes(8).toString('hex')}`, allowAutoTopicCreation: false, maxWaitTimeInMs: 500 });
    this.consumer.on(this.consumer.events.END_BATCH_PROCESS, (e) => {
      // Batches of transaction markers or aborted records only never reach eachBatch.
      if (e.payload.batchSize === 0 && e.payload.topic === this.topic) this.read(e.payload.partition, Number(e.payload.lastOffset) + 1);
    });
  }

  /** Checks the changelog against the input topic and starts following it. */
  async start(): Promise<void> {
    const admin = this.client.admin();
    await admin.connect();
    try {
      const topics = await admin.listTopics();
      if (!topics.includes(this.topic)) throw new DataError(`changelog topic '${this.topic}' does not exist; create it first, compacted, with the partition count of ${this.input}`);
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics: [this.input, this.topic] });
      const meta = metadata.find((t) => t.name === this.input);
      const log = metadata.find((t) => t.name === this.topic);
      const want = meta?.partitions.length ?? 0;
      if ((log?.partitions.length ?? 0) !== want) {
        throw new DataError(`changelog topic '${this.topic}' has ${log?.partitions.length ?? 0} partitions; it needs ${want}, as many as ${this.input}: partition p of the input keeps its state in partition p of the changelog`);
      }
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.topic], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const states = this.latest.get(batch.partition) ?? new Map<string, Buffer | null>();
        this.latest.set(batch.partition, states);
        for (const m of batch.messages) {
          const key = m.key?.toString('utf8') ?? '';
          if (m.value === null) states.delete(key);
          else states.set(key, m.value);
        }
        this.read(batch.partition, Number(batch.lastOffset()) + 1);
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
  }

  /**
   * Fences the partition's previous owner, then returns the states of
   * changelog partition `p` once it is read up to its end as of then, in
   * stage order (empty when the partition never had state), and the group's
   * committed offset of input partition p as of then (-1: none). A message
   * that is not a valid state is an error naming it.
   */
  async restore(p: number): Promise<{ states: ControlOf<'restore'>[]; committed: number }> {
    await this.fence(p);
    const [end, committed] = await Promise.all([this.endOf(p), this.committed(p)]);
    const deadline = Date.now() + RESTORE_TIMEOUT_MS;
    while ((this.reached.get(p) ?? 0) < end) {
      if (Date.now() > deadline) throw new DataError(`changelog ${this.topic}: partition ${p} was not read up to offset ${end} within ${RESTORE_TIMEOUT_MS / 1000} s`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 500);
      });
    }
    const out: ControlOf<'restore'>[] = [];
    for (const [stage, value] of [...(this.latest.get(p) ?? [])].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const r = restoreRecord(value, p);
      if (typeof r === 'string') throw new DataError(`changelog ${this.topic}: partition ${p}, key ${JSON.stringify(stage)}: not a sluice partition state: ${r}`);
      if (r.stage !== stage) throw new DataError(`changelog ${this.topic}: partition ${p}: the state of stage ${r.stage} is stored under key ${JSON.stringify(stage)}`);
      out.push(r);
    }
    return { states: out, committed };
  }

  /**
   * Starts a transaction with partition p's transactional id: the broker
   * aborts the open transaction of the producer that had it (a copy killed
   * mid-batch) and refuses every later commit of that producer (a copy that
   * lost p in a rebalance but still had batches of p in its pipes). So the
   * changelog and the offsets of p change no more behind this member's back.
   */
  private async fence(p: number): Promise<void> {
    const producer = this.client.producer({ transactionalId: partitionTransactionalId(this.topic, p), idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    try {
      const txn = await retryConcurrent(() => producer.transaction());
      await txn.abort();
    } finally {
      await producer.disconnect().catch(() => undefined);
    }
  }

  private async committed(p: number): Promise<number> {
    const admin = this.client.admin();
    await admin.connect();
    try {
      const [t] = await admin.fetchOffsets({ groupId: this.group, topics: [this.input] });
      return Number(t?.partitions.find((x) => x.partition === p)?.offset ?? -1);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** The last stable offset of changelog partition p (kafkajs's admin lists offsets read_committed). */
  private async endOf(p: number): Promise<number> {
    const admin = this.client.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(this.topic);
      return Number(offsets.find((o) => o.partition === p)?.high ?? 0);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private read(p: number, next: number): void {
    if (next <= (this.reached.get(p) ?? 0)) return;
    this.reached.set(p, next);
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w();
  }
}
