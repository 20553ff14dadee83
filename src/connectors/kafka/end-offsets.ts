import type { Consumer, Kafka } from 'kafkajs';
import { DataError } from '../../engine/errors.js';
import type { Assignment } from './assignment.js';
import { committedOffsets } from './start-offsets.js';

/** The end (high watermark) of every partition of `topic` now. */
export async function endOffsets(client: Kafka, topic: string): Promise<Map<number, number>> {
  const admin = client.admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Where each partition of `topic` starts for `group` (its committed offset, else
 * the low or high watermark as --from says): a partition already at its end
 * yields no batch, so its start is what says it is done.
 */
export async function groupStarts(client: Kafka, topic: string, group: string, from: 'earliest' | 'latest'): Promise<Map<number, number>> {
  const admin = client.admin();
  await admin.connect();
  try {
    const byPartition = await committedOffsets(admin, group, topic);
    const out = new Map<number, number>();
    for (const p of await admin.fetchTopicOffsets(topic)) {
      const c = byPartition.get(p.partition) ?? -1;
      out.set(p.partition, c >= 0 ? c : Number(from === 'earliest' ? p.low : p.high));
    }
    return out;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * --until-end: the end offset of every partition as of the start (kcat -e,
 * Spark's Trigger.AvailableNow). `done` resolves once every partition this
 * member owns has been read up to its end; a member that owns none is done
 * as soon as it has joined.
 */
export class UntilEnd {
  private readonly next = new Map<number, number>();
  private resolve!: () => void;
  readonly done = new Promise<void>((r) => (this.resolve = r));

  constructor(
    private readonly topic: string,
    private readonly ends: Map<number, number>,
    private readonly assignment: Assignment,
  ) {}

  /** The offset reading `partition` stops before (records appended later are left for the next run). */
  endOf(partition: number): number {
    return this.ends.get(partition) ?? 0;
  }

  /** Everything of `partition` before `nextOffset` was emitted (or is not there to emit). */
  reached(partition: number, nextOffset: number): void {
    if (nextOffset > (this.next.get(partition) ?? -1)) this.next.set(partition, nextOffset);
    this.check();
  }

  check(): void {
    if (!this.assignment.stable) return;
    for (const p of this.assignment.partitions(this.topic)) {
      if ((this.next.get(p) ?? -1) < this.endOf(p)) return;
    }
    this.resolve();
  }
}

/**
 * Feeds `untilEnd` what fetching cannot tell: at each join, where every owned
 * partition starts (a partition already at its end yields no batch), the
 * checkpoint's start taking precedence at the first join; and the ends of
 * batches holding transaction markers only, which never reach eachBatch.
 */
export function watchStarts(
  consumer: Consumer,
  client: Kafka,
  s: { topic: string; group: string; from: 'earliest' | 'latest' },
  assignment: Assignment,
  untilEnd: () => UntilEnd | undefined,
  checkpointStart: (partition: number) => string | undefined,
  fail: (err: Error) => void,
): void {
  let joins = 0;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    const join = ++joins;
    groupStarts(client, s.topic, s.group, s.from).then(
      (fromGroup) => {
        const target = untilEnd();
        if (join !== joins || !target) return;
        for (const p of assignment.partitions(s.topic)) {
          // At the first join the checkpoint's start applies, unless the group is further (startAtJoin).
          const pinned = join === 1 ? checkpointStart(p) : undefined;
          const group = fromGroup.get(p) ?? 0;
          target.reached(p, pinned !== undefined ? Math.max(Number(pinned), group) : group);
        }
        target.check();
      },
      (err: unknown) => fail(new DataError(`kafka: cannot read the start offsets of ${s.topic}: ${(err as Error).message}`)),
    );
  });
  consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
    if (e.payload.batchSize === 0 && e.payload.topic === s.topic) untilEnd()?.reached(e.payload.partition, Number(e.payload.lastOffset) + 1);
  });
}
