import type { KafkaOffset } from '../../engine/control.js';
import type { SourceDriver } from '../../engine/source-driver.js';
import type { Assignment } from './assignment.js';
import type { ChangelogRestore } from './changelog-restore.js';

/** Where a restored partition is read from, told to the consumer (seek) by consume.ts. */
export type OnRestored = (partition: number, from: KafkaOffset) => void;

/**
 * What `source kafka --changelog T` adds to the stream (issue 14.3): at every
 * group join an `assign` record with the partitions now owned; for each
 * partition new to this member, at once (also when it has no new records, so
 * its open windows can still close), its state read back from the changelog
 * (`restore` records), after which the partition is read from the offset that
 * state was taken at; and a `part` marker whenever the partition the records
 * come from changes. Stateful stages with --partition-state keep their state
 * per partition by these records.
 */
export class PartitionStateSource {
  private lastOwned = new Set<number>();
  /** The partitions the last `assign` announced. */
  private announced = new Set<number>();
  private memberId: string | undefined;
  /** The restore in progress per partition; a newer join's restore of the same partition replaces it. */
  private readonly restoring = new Map<number, Promise<void>>();
  private marked: number | undefined;

  constructor(
    private readonly changelog: ChangelogRestore,
    private readonly topic: string,
    private readonly driver: SourceDriver,
    private readonly assignment: Assignment,
    private readonly onRestored: OnRestored,
    private readonly fail: (err: Error) => void,
  ) {}

  /**
   * A group join: announces the assignment and starts restoring the
   * partitions new to this member; returns them. A partition is kept (its
   * state stays) only when this member owned it in the generation before;
   * a member the group dropped (session timeout) rejoins under a new member
   * id, and others may have owned its partitions meanwhile: all are new.
   */
  joined(memberId: string): number[] {
    if (memberId !== this.memberId) this.lastOwned = new Set();
    this.memberId = memberId;
    const owned = [...this.assignment.partitions(this.topic)].sort((a, b) => a - b);
    const fresh = owned.filter((p) => !this.lastOwned.has(p));
    for (const p of [...this.restoring.keys()]) if (!owned.includes(p) || fresh.includes(p)) this.restoring.delete(p);
    this.lastOwned = new Set(owned);
    this.marked = undefined;
    // A new partition the stages still hold (announced before) is dropped first: its state comes from the changelog.
    if (fresh.some((p) => this.announced.has(p))) this.driver.announce({ type: 'assign', topic: this.topic, partitions: owned.filter((p) => !fresh.includes(p)), member: memberId });
    this.driver.announce({ type: 'assign', topic: this.topic, partitions: owned, member: memberId });
    this.announced = new Set(owned);
    for (const p of fresh) {
      const restore: Promise<void> = this.restore(p, () => this.restoring.get(p) === restore).then(
        () => void (this.restoring.get(p) === restore && this.restoring.delete(p)),
        (err: unknown) => this.fail(err as Error),
      );
      this.restoring.set(p, restore);
    }
    return fresh;
  }

  /** While partition p's state is being restored: its end. No record of p may be emitted before. */
  restored(p: number): Promise<void> | undefined {
    return this.restoring.get(p);
  }

  /** False while partition p may not be read: its state is not restored (or a rebalance interrupted the restore). */
  readable(p: number): boolean {
    return this.lastOwned.has(p) && !this.restoring.has(p) && this.assignment.owns(this.topic, p);
  }

  /** Records of partition `p` follow. */
  mark(p: number): void {
    if (this.marked === p) return;
    this.marked = p;
    this.driver.announce({ type: 'part', partition: p });
  }

  /**
   * Fences p's previous owner, reads p's states, and, unless p changed hands
   * meanwhile (`current` false), emits them and says where p is read from:
   * the offset the state was taken at, else the group's committed offset
   * read after the fence (the consumer fetched from the one it saw at the
   * join, which the old owner may have moved since).
   */
  private async restore(p: number, current: () => boolean): Promise<void> {
    const { states, committed } = await this.changelog.restore(p);
    if (!current()) return; // a later join restores it again
    if (!this.assignment.stable || !this.assignment.owns(this.topic, p)) {
      // A rebalance began meanwhile: if p stays here, the next join must restore it again.
      this.lastOwned.delete(p);
      return;
    }
    for (const s of states) this.driver.announce(s);
    // A stage writes its state at every batch that changed it; one with an older offset
    // saw no change since, so its state holds at the latest offset too.
    const from = states.length > 0 ? states.map((s) => s.offset).reduce((a, b) => (BigInt(b) > BigInt(a) ? b : a)) : committed >= 0 ? committed : undefined;
    if (from !== undefined) this.onRestored(p, from);
  }
}
