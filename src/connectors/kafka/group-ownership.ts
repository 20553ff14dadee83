import type { Kafka } from 'kafkajs';
import { kafkajs } from './client.js';

/** How long a fenced sink waits for the group to settle before deciding it lost the partition. */
const SETTLE_TIMEOUT_MS = 30_000;

/**
 * Whether the consumer group's assignment, once the group is stable, gives
 * `partition` of `topic` to `member`. False when the member is not in the
 * group, or the group does not settle within SETTLE_TIMEOUT_MS.
 */
export async function groupOwns(client: Kafka, group: string, member: string, topic: string, partition: number): Promise<boolean> {
  const admin = client.admin();
  await admin.connect();
  try {
    const deadline = Date.now() + SETTLE_TIMEOUT_MS;
    for (;;) {
      const [g] = (await admin.describeGroups([group])).groups;
      if (g?.state === 'Stable') {
        const m = g.members.find((x) => x.memberId === member);
        if (!m || m.memberAssignment.length === 0) return false;
        const assigned = kafkajs().AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
        return (assigned?.assignment[topic] ?? []).includes(partition);
      }
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
