import type { Consumer, EachBatchPayload } from 'kafkajs';
import { DataError } from '../../engine/errors.js';
import type { SourceRun } from '../kinds.js';
import { Assignment } from './assignment.js';
import { fetchedBatch, kafkaClient, offsetJson, positionKey, requireExistingTopic } from './client.js';
import { catchUpAtStop, DurableOffsets } from './durable-offsets.js';
import { AckedOffsets } from './acked-offsets.js';
import type { Positions } from '../../engine/control.js';
import { endOffsets, UntilEnd, watchStarts } from './end-offsets.js';
import { ChangelogRestore } from './changelog-restore.js';
import { OffsetCommitter } from './offset-committer.js';
import { PartitionStateSource } from './partition-state-source.js';
import { metaRecord, payloadRecord } from './payload.js';
import { LineShapes } from '../../engine/fast/line-shapes.js';
import { fastPathsOn } from '../../engine/fast/switch.js';
import type { KafkaSecurity } from './security.js';
import { fetchCommittedOffsets, startAtJoin, startOffsets, type StartOffset } from './start-offsets.js';

export interface KafkaSourceSettings {
  brokers: string[];
  security: KafkaSecurity;
  topic: string;
  group: string;
  from: 'earliest' | 'latest';
  withMeta: boolean;
  /** 'auto': commit offsets of batches handed downstream; 'none': never (a transactional sink commits them). */
  commit: 'auto' | 'none';
  sessionTimeoutMs: number;
  maxDepth: number;
  /** --until-end: stop once every owned partition was read up to its end as of the start. */
  untilEnd: boolean;
  /** --checkpoint DIR: resume at the sink's committed positions and commit offsets only once the sink committed them. */
  checkpoint?: string;
  /** --changelog T: announce partitions in-band and restore their state from T (issue 14.3). */
  changelog?: string;
  /** Without --checkpoint, in a pipe: where the sluice sink acknowledges the batches it finished (src/engine/ack/). */
  ackDir?: string;
}

/**
 * At a stop: how long to wait for the sink to make the last batch durable (a
 * loaded machine, a slow `sink exec` command; the wait ends early when the
 * sink exits), and then, separately, for the group commit itself.
 */
const SINK_COMMIT_WAIT_MS = 30_000;
/**
 * How long the broker may hold a fetch while no record is there (librdkafka's
 * fetch.wait.max.ms; kafkajs's default is 5 s). A stop (consumer.stop) waits
 * for the fetch in flight, so this bounds how long a caught-up consumer takes
 * to stop: `--until-end` over 1M records took 5 s less wall time.
 */
const FETCH_WAIT_MS = 500;
/**
 * With --until-end a caught-up partition is finished, so the fetch (or, with
 * every partition paused, kafkajs's sleep of the same length) that the stop
 * waits for is pure delay: 500 ms of every run, a third of consuming 1M
 * records at kcat's pace. Partitions still behind get their records at once
 * whatever the wait; only a member with nothing to read fetches more often.
 */
const UNTIL_END_FETCH_WAIT_MS = 50;
/**
 * Bytes one fetch may bring per partition (kafkajs's default: 1 MiB). Reading
 * 1M small records to the end, three alternating runs each: 512 KiB took
 * 0.8-0.95 s of CPU at 103 MB resident, 1 MiB 0.95-1.0 s at 142 MB, 4 MiB
 * 1.15-1.25 s at 195-240 MB (fetch buffers are held while their records are
 * handed on, and big ones cost more to allocate and collect than the round
 * trips they save).
 */
const FETCH_BYTES_PER_PARTITION = 512 << 10;
const GROUP_COMMIT_WAIT_MS = 10_000;
/** Beyond the session timeout, how long a stop waits for a pending group join (see catchUpAtStop). */
const JOIN_AT_STOP_MARGIN_MS = 5_000;

/** Waits for `work` while keeping the group membership alive (kafkajs heartbeats only when asked). */
async function withHeartbeats(work: Promise<void>, heartbeat: () => Promise<void>, everyMs: number): Promise<void> {
  let beatError: unknown;
  const timer = setInterval(() => {
    heartbeat().catch((err: unknown) => (beatError ??= err));
  }, everyMs);
  try {
    await work;
  } finally {
    clearInterval(timer);
  }
  // A rebalance noticed while waiting: let kafkajs rejoin now that the records are handed on.
  if (beatError) throw beatError;
}

/**
 * A consumer-group member feeding the source driver. Records are emitted in
 * fetch order; each one's next offset becomes the batch position
 * `kafka:<topic>:<partition>`. Fetching waits while downstream is full.
 */
export async function consumeKafka(run: SourceRun, s: KafkaSourceSettings): Promise<void> {
  const { driver, io, settle, onStop, resume } = run;
  const warn = io.warn;
  const client = kafkaClient(s.brokers, `sluice-source-${s.group}`, warn, 'source', s.security);
  const heartbeatMs = Math.max(500, Math.min(3_000, Math.floor(s.sessionTimeoutMs / 3)));
  const consumer: Consumer = client.consumer({
    groupId: s.group,
    sessionTimeout: s.sessionTimeoutMs,
    heartbeatInterval: heartbeatMs,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: s.untilEnd ? UNTIL_END_FETCH_WAIT_MS : FETCH_WAIT_MS,
    maxBytesPerPartition: FETCH_BYTES_PER_PARTITION,
  });
  const assignment = new Assignment();
  consumer.on(consumer.events.GROUP_JOIN, (e) => assignment.joined(e.payload.memberAssignment));
  const changelog = s.changelog === undefined ? undefined : new ChangelogRestore(client, s.topic, s.changelog, s.group);
  // Positions of partitions this member may lose leave the batch boundaries at once, so
  // no later commit (ours, or a transactional sink's) moves another owner's offsets back.
  const positioned = new Set<string>();
  consumer.on(consumer.events.REBALANCING, () => {
    assignment.rebalancing();
    for (const key of positioned) driver.clearPosition(key);
    positioned.clear();
  });
  const committer = new OffsetCommitter(consumer, assignment, (line) => warn(`sluice source: kafka: ${line}`));
  const readerGone = () => io.stop.reason === 'closed';
  const kafkaWarn = (line: string) => warn(`sluice source: kafka: ${line}`);
  const commitHandedOn = (positions: Positions | undefined, handedOn: Promise<void> | undefined) => committer.afterHandedOn(positions, handedOn, io.stdout, readerGone);
  let durable: DurableOffsets | AckedOffsets | undefined;
  if (s.commit === 'auto' && s.checkpoint !== undefined) {
    const offsets = new DurableOffsets(s.checkpoint, assignment, committer, io.clock, kafkaWarn);
    durable = offsets;
    driver.onBatch((c) => offsets.emitted(c.id, c.positions));
  } else if (s.commit === 'auto' && s.ackDir !== undefined) {
    const offsets = new AckedOffsets(s.ackDir, assignment, committer, io.clock, kafkaWarn, commitHandedOn);
    durable = offsets;
    driver.onBatch((c, handedOn) => offsets.emitted(c, handedOn));
  } else if (s.commit === 'auto') {
    // This process's output is the end of the pipeline (sluice run, data only): handed on is done.
    driver.onBatch((c, handedOn) => commitHandedOn(c.positions, handedOn));
  }

  // With --checkpoint, the partitions owned at the first join start where the sink's last
  // commit ended (startAtJoin), decided against the group's committed offsets as of that
  // join: they are held (paused) from the join until those offsets are read, then sought
  // (kafkajs applies a seek before the partition's next fetch). Later joins start from the
  // group's committed offsets, which only ever hold what the sink committed.
  let starts: Map<number, StartOffset> | undefined;
  let startsPending = false;
  let joins = 0;
  let held: number[] = [];
  const release = () => {
    if (held.length > 0 && !stopping) consumer.resume([{ topic: s.topic, partitions: held }]);
    held = [];
  };
  consumer.on(consumer.events.GROUP_JOIN, () => {
    if (!startsPending || !starts) return;
    const join = ++joins;
    const generation = assignment.generation;
    release();
    const owned = assignment.partitions(s.topic).filter((p) => starts!.has(p));
    if (owned.length === 0) {
      startsPending = false;
      return;
    }
    consumer.pause([{ topic: s.topic, partitions: owned }]);
    held = owned;
    fetchCommittedOffsets(client, s.group, s.topic).then(
      (committed) => {
        if (join !== joins) return; // a later join holds its own partitions
        if (startsPending && assignment.stable && assignment.generation === generation) {
          startsPending = false;
          for (const partition of owned) {
            const start = startAtJoin(starts!.get(partition)!, committed.get(partition));
            if (!start) continue;
            const key = positionKey(s.topic, partition);
            consumer.seek({ topic: s.topic, partition, offset: start.offset });
            driver.setPosition(key, offsetJson(start.offset));
            positioned.add(key);
            if (start.pin) committer.durable({ [key]: start.offset });
          }
        }
        release();
      },
      (err: unknown) => fail(new DataError(`kafka: cannot read the committed offsets of group ${s.group}: ${(err as Error).message}`)),
    );
  });

  let stopping = false;
  const stopped = new Promise<void>((resolve) => onStop(resolve));
  let fail!: (err: Error) => void;
  const crashed = new Promise<never>((_, reject) => (fail = reject));
  crashed.catch(() => undefined);
  consumer.on(consumer.events.CRASH, (e) => {
    if (!e.payload.restart) fail(new DataError(`kafka consumer of ${s.topic} failed: ${e.payload.error.message}`));
  });

  let untilEnd: UntilEnd | undefined;
  if (s.untilEnd) {
    watchStarts(consumer, client, s, assignment, () => untilEnd, (p) => (starts?.get(p)?.pin === false ? starts.get(p)!.offset : undefined), fail);
  }

  // Next offset this process has not emitted yet, per partition. After a rebalance kafkajs
  // fetches again from the committed offset; records this process already emitted are
  // skipped, so one process never emits an offset twice (a stateful stage downstream
  // would count it twice).
  const emittedBefore = new Map<string, number>();
  // A partition new to this member is read from its restored state's offset, and
  // nothing before that offset is emitted (a batch fetched before the seek).
  const partitionState =
    changelog &&
    new PartitionStateSource(
      changelog,
      s.topic,
      driver,
      assignment,
      (partition, from) => {
        const key = positionKey(s.topic, partition);
        consumer.seek({ topic: s.topic, partition, offset: String(from) });
        emittedBefore.set(key, Number(from));
        driver.setPosition(key, from);
        positioned.add(key);
      },
      (err) => fail(new DataError(`kafka: cannot restore partition state from ${s.changelog}: ${err.message}`)),
    );
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    for (const p of partitionState?.joined(e.payload.memberId) ?? []) emittedBefore.delete(positionKey(s.topic, p));
  });

  let shapes: LineShapes | undefined;
  const eachBatch = async ({ batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload) => {
    const { topic, partition } = batch;
    const key = positionKey(topic, partition);
    const end = untilEnd ? untilEnd.endOf(partition) : Infinity;
    const rawSuffices = !s.withMeta && driver.rawSuffices;
    shapes ??= rawSuffices && fastPathsOn() ? new LineShapes([], s.maxDepth) : undefined;
    // No record of a partition before its state (a restore seeks it; this batch is then stale).
    const restoring = partitionState?.restored(partition);
    if (restoring) await withHeartbeats(restoring, heartbeat, heartbeatMs);
    if (partitionState && !partitionState.readable(partition)) return;
    positioned.add(key);
    let emittedUpTo = emittedBefore.get(key) ?? 0;
    let reached = -1;
    let last = -1;
    // The loop below never yields, so a stop, a seek or a rebalance cannot happen inside it.
    const records = fetchedBatch(batch);
    const count = stopping || !isRunning() || isStale() ? 0 : records.count;
    for (let k = 0; k < count; k++) {
      const next = records.offsetAt(k) + 1;
      if (next > end) break;
      reached = next;
      last = k;
      // Position first: a batch cut right after this record (--max-records-per-batch) must cover it.
      // With partition state it never goes back below what was emitted: a state is taken at it.
      driver.setPosition(key, partitionState ? Math.max(next, emittedUpTo) : next);
      if (next <= emittedUpTo) continue;
      emittedUpTo = next;
      partitionState?.mark(partition);
      const { record, raw } = s.withMeta ? metaRecord(records.message(k), topic, partition, s.maxDepth) : payloadRecord(records.valueText(k), s.maxDepth, rawSuffices, shapes);
      driver.emit(record, raw);
    }
    emittedBefore.set(key, emittedUpTo);
    // One resolve per batch: kafkajs's per-offset bookkeeping costs more than the record.
    if (last >= 0) resolveOffset(records.offsetTextAt(last));
    await withHeartbeats(settle(), heartbeat, heartbeatMs);
    if (untilEnd && reached >= 0 && !isStale()) untilEnd.reached(partition, reached);
  };

  try {
    try {
      await requireExistingTopic(client, s.topic, s.brokers);
      if (s.checkpoint !== undefined) {
        starts = await startOffsets(client, s, resume, s.checkpoint);
        startsPending = true;
      }
      if (s.untilEnd) untilEnd = new UntilEnd(s.topic, await endOffsets(client, s.topic), assignment);
      await changelog?.start();
      await consumer.connect();
      await consumer.subscribe({ topics: [s.topic], fromBeginning: s.from === 'earliest' });
    } catch (err) {
      if (err instanceof DataError) throw err;
      throw new DataError(`kafka ${s.brokers.join(',')}: cannot consume ${s.topic}: ${(err as Error).message}`);
    }
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch });
    await Promise.race([stopped, crashed, ...(untilEnd ? [untilEnd.done] : [])]);
    stopping = true;
    // Paused, not stopped: kafkajs commits only while the consumer runs. The last batch
    // and eos go out now, so their offsets are committed before the member leaves.
    consumer.pause([{ topic: s.topic }]);
    await driver.finish();
    await durable?.finish(SINK_COMMIT_WAIT_MS);
    // The positions this run resumed from are the sink's too: a run that read nothing new
    // (its batches carry no positions) still brings the group up to them.
    const durableAtStop = durable && { ...resume, ...durable.lastDurable() };
    // A member restarted while its killed predecessor's session lives joins only once that
    // session expires: a stop before then waits for the join, so the catch-up can commit.
    if (durableAtStop && !assignment.stable) await assignment.whenStable(s.sessionTimeoutMs + JOIN_AT_STOP_MARGIN_MS);
    await catchUpAtStop(durableAtStop, committer, assignment, () => fetchCommittedOffsets(client, s.group, s.topic));
    await committer.idle(GROUP_COMMIT_WAIT_MS);
    await consumer.stop();
  } finally {
    stopping = true;
    durable?.stop();
    await changelog?.stop();
    await consumer.disconnect().catch(() => undefined);
  }
}
