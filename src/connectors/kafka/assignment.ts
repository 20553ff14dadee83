/**
 * The partitions this consumer-group member owns right now, from kafkajs's
 * group events. Empty while a rebalance is in progress: nothing is committed
 * for a partition unless it is owned at the moment of the commit.
 */
export class Assignment {
  private owned = new Set<string>();
  generation = 0;

  /** kafkajs GROUP_JOIN payload: { topic: [partition, ...] }. */
  joined(memberAssignment: Record<string, number[]>): void {
    this.owned = new Set(Object.entries(memberAssignment).flatMap(([topic, ps]) => ps.map((p) => `${topic}:${p}`)));
    this.generation++;
  }

  rebalancing(): void {
    this.owned.clear();
  }

  owns(topic: string, partition: number): boolean {
    return this.owned.has(`${topic}:${partition}`);
  }

  get size(): number {
    return this.owned.size;
  }
}
