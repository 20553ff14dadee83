import type { Kafka } from 'kafkajs';
import type { Assignment } from './assignment.js';

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
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    const byPartition = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
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
