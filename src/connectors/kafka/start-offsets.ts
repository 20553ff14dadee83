import type { Admin, Kafka } from 'kafkajs';
import type { Positions } from '../../engine/control.js';
import { DataError } from '../../engine/errors.js';
import { parsePositionKey } from './client.js';

/** Where one partition starts when this member owns it at its first join. */
export interface StartOffset {
  offset: string;
  /** True for --from resolved at start (no checkpoint position): used, and committed at once, only while the group has no committed offset. */
  pin: boolean;
}

function offsetText(value: unknown, key: string, checkpoint: string): string {
  if ((typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) || (typeof value === 'string' && /^\d+$/.test(value))) return String(value);
  throw new DataError(`checkpoint ${checkpoint}: the committed position of ${key} is not a Kafka offset (${JSON.stringify(value)}); was the checkpoint written by another source?`);
}

/** The group's committed offset of every partition of `topic` that has one. */
export async function committedOffsets(admin: Admin, group: string, topic: string): Promise<Map<number, number>> {
  const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  return new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)] as const).filter(([, o]) => o >= 0));
}

/** committedOffsets with an admin client of its own. */
export async function fetchCommittedOffsets(client: Kafka, group: string, topic: string): Promise<Map<number, number>> {
  const admin = client.admin();
  await admin.connect();
  try {
    return await committedOffsets(admin, group, topic);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Candidate start offsets of a source with --checkpoint, per partition of
 * `topic`, read at process start: the position the sink last committed
 * (`kafka:<topic>:<p>` in the latest commit), else --from resolved now (low or
 * high watermark), so a crash before the first sink commit restarts at the same
 * place instead of at a later "latest". Which one applies is decided at the
 * join, against the group's offsets of that moment (startAtJoin).
 */
export async function startOffsets(
  client: Kafka,
  s: { topic: string; from: 'earliest' | 'latest' },
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
    for (const p of await admin.fetchTopicOffsets(s.topic)) {
      if (!out.has(p.partition)) out.set(p.partition, { offset: s.from === 'earliest' ? p.low : p.high, pin: true });
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  return out;
}

/**
 * Where a partition owned at the first join starts, given the group's committed
 * offset as of that join (undefined: none), or undefined to start at the
 * group's committed offset:
 * - the checkpoint's position, unless the group is further (another member
 *   read on while this one was down, and what it committed is in its sink's
 *   output: re-reading it would only duplicate it, and skipping loses nothing);
 * - --from resolved at start, only while the group has no committed offset.
 * The group's offsets must be those of the join, not of the process start: a
 * restarted member joins seconds later, and the copies that held its
 * partitions meanwhile may have read and committed far beyond its checkpoint.
 */
export function startAtJoin(start: StartOffset, committed: number | undefined): StartOffset | undefined {
  if (committed === undefined) return start;
  return !start.pin && Number(start.offset) >= committed ? start : undefined;
}
