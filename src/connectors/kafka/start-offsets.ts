import type { Kafka } from 'kafkajs';
import type { Positions } from '../../engine/control.js';
import { DataError } from '../../engine/errors.js';
import { parsePositionKey } from './client.js';

/** Where one partition starts when this member owns it at its first join. */
export interface StartOffset {
  offset: string;
  /** True when the group had no committed offset: the start is committed at once (it covers no record). */
  pin: boolean;
}

function offsetText(value: unknown, key: string, checkpoint: string): string {
  if ((typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) || (typeof value === 'string' && /^\d+$/.test(value))) return String(value);
  throw new DataError(`checkpoint ${checkpoint}: the committed position of ${key} is not a Kafka offset (${JSON.stringify(value)}); was the checkpoint written by another source?`);
}

/**
 * Start offsets of a source with --checkpoint, per partition of `topic`:
 * - the position the sink last committed (`kafka:<topic>:<p>` in the latest
 *   commit): the member's output and state end exactly there; unless the
 *   group's committed offset is further (another member read on meanwhile);
 * - else, when the group has a committed offset, none: kafkajs starts there;
 * - else --from resolved now (low or high watermark), so a crash before the
 *   first sink commit restarts at the same place instead of at a later "latest".
 */
export async function startOffsets(
  client: Kafka,
  s: { topic: string; group: string; from: 'earliest' | 'latest' },
  resume: Positions | undefined,
  checkpoint: string,
): Promise<Map<number, StartOffset>> {
  const out = new Map<number, StartOffset>();
  for (const [key, value] of Object.entries(resume ?? {})) {
    const tp = parsePositionKey(key);
    if (!tp || tp.topic !== s.topic) {
      throw new DataError(`checkpoint ${checkpoint} holds the position of '${key}', not of topic ${s.topic}; give each pipeline its own --checkpoint DIR`);
    }
    out.set(tp.partition, { offset: offsetText(value, key, checkpoint), pin: false });
  }
  const admin = client.admin();
  await admin.connect();
  try {
    const [group] = await admin.fetchOffsets({ groupId: s.group, topics: [s.topic] });
    const committed = new Map((group?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    // Another member got further on a partition while this one was down: what it committed is
    // in its sink's output, so start there instead of reading it all again (duplicates, never loss).
    for (const [partition, start] of out) {
      if ((committed.get(partition) ?? -1) > Number(start.offset)) out.delete(partition);
    }
    for (const p of await admin.fetchTopicOffsets(s.topic)) {
      if (out.has(p.partition) || (committed.get(p.partition) ?? -1) >= 0) continue;
      out.set(p.partition, { offset: s.from === 'earliest' ? p.low : p.high, pin: true });
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  return out;
}
