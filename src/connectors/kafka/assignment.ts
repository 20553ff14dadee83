/**
 * The partitions this consumer-group member owns right now, from kafkajs's
 * group events. Empty while a rebalance is in progress: nothing is committed
 * for a partition unless it is owned at the moment of the commit.
 */
const STABLE_POLL_MS = 50;

export class Assignment {
  private owned = new Set<string>();
  private byTopic = new Map<string, number[]>();
  generation = 0;
  /** True between a join and the next rebalance. */
  stable = false;

  /** kafkajs GROUP_JOIN payload: { topic: [partition, ...] }. */
  joined(memberAssignment: Record<string, number[]>): void {
    this.byTopic = new Map(Object.entries(memberAssignment).map(([topic, ps]) => [topic, [...ps]]));
    this.owned = new Set(Object.entries(memberAssignment).flatMap(([topic, ps]) => ps.map((p) => `${topic}:${p}`)));
    this.generation++;
    this.stable = true;
  }

  rebalancing(): void {
    this.owned.clear();
    this.byTopic.clear();
    this.stable = false;
  }

  /** Resolves once the member holds an assignment (a join completed), or after `timeoutMs`. */
  async whenStable(timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!this.stable && Date.now() < until) await new Promise((r) => setTimeout(r, STABLE_POLL_MS));
  }

  owns(topic: string, partition: number): boolean {
    return this.owned.has(`${topic}:${partition}`);
  }

  /** The partitions of `topic` owned now. */
  partitions(topic: string): number[] {
    return this.byTopic.get(topic) ?? [];
  }

  get size(): number {
    return this.owned.size;
  }
}
