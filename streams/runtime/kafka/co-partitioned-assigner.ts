import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

/** The task numbers each member owns, the same partition number in every input topic. */
export type TaskAssignment = Map<string, number[]>;

/**
 * Balances tasks over members, keeping each member's previous tasks while it is under quota, so
 * a rebalance moves (and restores) as little state as it can. Deterministic: sorted member ids.
 */
export function assignTasks(taskCount: number, members: { id: string; owned: number[] }[]): TaskAssignment {
  const sorted = [...members].sort((a, b) => a.id.localeCompare(b.id));
  const out: TaskAssignment = new Map(sorted.map((m) => [m.id, []]));
  if (sorted.length === 0) return out;
  const quota = (i: number) => Math.floor(taskCount / sorted.length) + (i < taskCount % sorted.length ? 1 : 0);
  const taken = new Set<number>();
  sorted.forEach((m, i) => {
    for (const t of m.owned) {
      const mine = out.get(m.id)!;
      if (t < taskCount && !taken.has(t) && mine.length < quota(i)) {
        mine.push(t);
        taken.add(t);
      }
    }
  });
  let i = 0;
  for (let t = 0; t < taskCount; t++) {
    if (taken.has(t)) continue;
    while (out.get(sorted[i % sorted.length]!.id)!.length >= quota(i % sorted.length)) i++;
    out.get(sorted[i % sorted.length]!.id)!.push(t);
    i++;
  }
  for (const tasks of out.values()) tasks.sort((a, b) => a - b);
  return out;
}

/**
 * A kafkajs assigner that gives a member partition p of every subscribed topic together, so a
 * task sees all of its co-partitioned inputs (kafkajs' round-robin would split them).
 * `owned()` is sent as member metadata for stickiness.
 */
export function coPartitionedAssigner(owned: () => number[]): PartitionAssigner {
  return ({ cluster }) => ({
    name: 'prm-co-partitioned',
    version: 1,
    protocol({ topics }) {
      const userData = Buffer.from(JSON.stringify(owned()));
      return { name: 'prm-co-partitioned', metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData }) };
    },
    async assign({ members, topics }) {
      const counts = topics.map((t) => cluster.findTopicPartitionMetadata(t).length);
      const taskCount = Math.min(...counts);
      const decoded = members.map((m) => {
        const meta = AssignerProtocol.MemberMetadata.decode(m.memberMetadata);
        let prev: number[] = [];
        try {
          prev = meta?.userData?.length ? (JSON.parse(meta.userData.toString()) as number[]) : [];
        } catch {
          prev = [];
        }
        return { id: m.memberId, owned: prev };
      });
      const plan = assignTasks(taskCount, decoded);
      return members.map((m) => ({
        memberId: m.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 1,
          assignment: Object.fromEntries(topics.map((t) => [t, plan.get(m.memberId) ?? []])),
          userData: Buffer.alloc(0),
        }),
      }));
    },
  });
}
