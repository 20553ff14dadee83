import type { KafkaOffset } from '../../engine/control.js';
import type { SourceDriver } from '../../engine/source-driver.js';
import type { Assignment } from './assignment.js';
import type { ChangelogRestore } from './changelog-restore.js';

/**
 * What `source kafka --changelog T` adds to the stream (issue 14.3): at every
 * group join an `assign` record with the partitions now owned; before the
 * first record of a newly owned partition, its state read back from the
 * changelog (`restore` records), after which the partition is read from the
 * offset that state was taken at; and a `part` marker whenever the partition
 * the records come from changes. Stateful stages with --partition-state keep
 * their state per partition by these records.
 */
export class PartitionStateSource {
  private lastOwned = new Set<number>();
  private readonly unrestored = new Set<number>();
  private marked: number | undefined;

  constructor(
    private readonly changelog: ChangelogRestore,
    private readonly topic: string,
    private readonly driver: SourceDriver,
    private readonly assignment: Assignment,
  ) {}

  /** A group join: announces the assignment; returns the partitions new to this member (to be restored, and read again from their state's offset). */
  joined(): number[] {
    const owned = [...this.assignment.partitions(this.topic)].sort((a, b) => a - b);
    const fresh = owned.filter((p) => !this.lastOwned.has(p));
    for (const p of [...this.unrestored]) if (!owned.includes(p)) this.unrestored.delete(p);
    for (const p of fresh) this.unrestored.add(p);
    this.lastOwned = new Set(owned);
    this.marked = undefined;
    this.driver.announce({ type: 'assign', topic: this.topic, partitions: owned });
    return fresh;
  }

  /**
   * Called before records of partition `p` are emitted. When p is new to
   * this member, fences its previous owner, restores its state (emitting the
   * `restore` records) and returns where p must be read from (the offset the
   * state was taken at, else the group's committed offset), or null when
   * there is neither and the fetched records can be read. `owned` says
   * whether p is still this member's after the wait; if not, nothing is
   * emitted and 'stale' is returned.
   */
  async ready(p: number, owned: () => boolean): Promise<KafkaOffset | null | 'stale'> {
    if (!this.unrestored.has(p)) return null;
    const { states, committed } = await this.changelog.restore(p);
    if (!owned() || !this.unrestored.has(p)) return 'stale';
    this.unrestored.delete(p);
    for (const s of states) this.driver.announce(s);
    // Without state, from the offset committed before the fence (the consumer fetched
    // from the one it saw at the join, which the old owner may have moved since).
    if (states.length === 0) return committed >= 0 ? committed : null;
    // A stage writes its state at every batch that changed it; one with an older offset
    // saw no change since, so its state holds at the latest offset too.
    return states.map((s) => s.offset).reduce((a, b) => (BigInt(b) > BigInt(a) ? b : a));
  }

  /** Records of partition `p` follow. */
  mark(p: number): void {
    if (this.marked === p) return;
    this.marked = p;
    this.driver.announce({ type: 'part', partition: p });
  }
}
